namespace SvdWeb.Inference;

/// <summary>
/// The device ran out of memory during a model run. The message names the stage and what to reduce; nothing about the
/// job is lost, and the sessions stay usable for the next, smaller request.
/// </summary>
public sealed class GpuOutOfMemoryException : UserFacingException
{
    public GpuOutOfMemoryException(string stage, Exception innerException)
        : base($"Out of device memory while running the {stage}. Try a smaller decode chunk size (decodeChunkSize), fewer " +
               "frames (numFrames), a smaller size (height/width) or fewer videos per image, then run it again.", innerException)
        => Stage = stage;

    public string Stage { get; }

    /// <summary>5xx: the request may well fit a smaller recipe, but the server's device could not run this one.</summary>
    public override int Status => 503;

    public override string Title => "Out of GPU memory";
}
