using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The CLIP vision tower with projection: <c>pixel_values</c> [B,3,224,224] → <c>image_embeds</c> [B,P], bound under the
/// names the graph uses (<paramref name="io"/>, svdweb.json's "io").
/// </summary>
internal sealed class ImageEncoder(OnnxModel model, IoMapping io, FeatureExtractorConfig featureExtractor, int projectionDim)
{
    public const string InputName = "pixel_values", OutputName = "image_embeds", ClipSize = "224";

    private readonly string _inputName = io.Input(InputName), _outputName = io.Output(OutputName);

    /// <summary>
    /// diffusers' <c>_encode_image</c> steps 1–6 for one image (Inference README §4.3): the ORIGINAL image, squashed to
    /// 224×224 with the antialiased resize, CLIP-normalised, cast to the encoder's dtype. Returns image_embeds [P];
    /// pixel values [1,3,224,224] are reported to <paramref name="observe"/>.
    /// </summary>
    public float[] EncodeImage(RgbImage image, Action<string, float[], int[]>? observe, CancellationToken ct)
    {
        // pixel_values: [1, 3, 224, 224]
        using var pixelValues = new OrtTensor(model.InputType(_inputName), 1, 3, 224, 224);
        ClipImagePreprocessor.Preprocess(image, featureExtractor.ImageMean, featureExtractor.ImageStd, pixelValues.Values);
        observe?.Invoke("clip_pixel_values", pixelValues.Values, [1, 3, 224, 224]);

        // image_embeds: [1, P]
        using var imageEmbeds = new OrtTensor(model.OutputType(_outputName), 1, projectionDim);
        model.Run([_inputName], [pixelValues], [_outputName], [imageEmbeds], ct);
        return imageEmbeds.Values;
    }
}
