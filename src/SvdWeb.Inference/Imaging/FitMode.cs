namespace SvdWeb.Inference.Imaging;

/// <summary>How an image whose aspect ratio differs from the output size is brought to it, before the pipeline's resize.</summary>
public enum FitMode
{
    /// <summary>Squash or stretch the whole image to the output size: diffusers' behaviour, and the only one that
    /// reproduces diffusers' frames for an image of another aspect ratio.</summary>
    Stretch,

    /// <summary>Cut the centre of the image at the output aspect ratio: nothing is distorted, the edges are lost.</summary>
    Crop,

    /// <summary>Extend the image to the output aspect ratio with black bars (letterbox or pillarbox): nothing is lost
    /// or distorted; the model animates the bars too.</summary>
    Pad,
}
