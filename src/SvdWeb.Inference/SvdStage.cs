namespace SvdWeb.Inference;

/// <summary>The stages of one generation, in the order they run.</summary>
public enum SvdStage
{
    /// <summary>The pack's sessions are created (a worker's first run of a pack, or after its memory options changed):
    /// seconds to minutes for real weights. Reported by the host that loads the pipeline, before the run's first stage.</summary>
    LoadingModel,

    Preprocessing,
    EncodingImage,
    EncodingVae,
    Denoising,
    Decoding,
    EncodingVideo,
    Done,
}
