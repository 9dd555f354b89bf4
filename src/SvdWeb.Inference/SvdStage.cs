namespace SvdWeb.Inference;

/// <summary>The stages of one generation, in the order they run.</summary>
public enum SvdStage
{
    Preprocessing,
    EncodingImage,
    EncodingVae,
    Denoising,
    Decoding,
    EncodingVideo,
    Done,
}
