using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The recipe's estimated peak GPU memory is more than the GPU has; the message says what to change. Nothing was stored.</summary>
public sealed class InsufficientGpuMemoryException(string message) : UserFacingException(message)
{
    public override int Status => 422;

    public override string Title => "Not enough GPU memory";
}
