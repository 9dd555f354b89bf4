using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>"Make final" was asked of a job that is not a draft: it already ran its recipe's own steps.</summary>
public sealed class NotADraftException(Guid id)
    : UserFacingException($"Job {id} is not a draft: it ran its recipe's own steps, so it has no final to make. Regenerate it to run the same recipe again.")
{
    public override int Status => 409;

    public override string Title => "Not a draft";
}
