namespace SvdWeb.Inference;

/// <summary>
/// The device ran out of memory during a model run. The message names the stage and what to reduce; nothing about the
/// job is lost, and the sessions stay usable for the next, smaller request.
/// </summary>
public sealed class GpuOutOfMemoryException : Exception
{
    public GpuOutOfMemoryException(string stage, Exception innerException)
        : base($"Out of device memory while running the {stage}. Try a smaller decode chunk size (decodeChunkSize), fewer " +
               "frames (numFrames), a smaller size (height/width) or fewer videos per image, then run it again.", innerException)
        => Stage = stage;

    public string Stage { get; }
}
