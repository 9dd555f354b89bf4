namespace SvdWeb.Inference;

/// <summary>
/// A request the pipeline cannot run as given: a parameter out of range, an image that cannot be decoded or is too
/// large. <see cref="Field"/> names the input (the CLI's parameter name in camelCase, e.g. "numFrames", "image"), and
/// the message says what was given, what is allowed and how to fix it.
/// </summary>
public sealed class SvdInputException : UserFacingException
{
    public SvdInputException(string field, string message, Exception? innerException = null)
        : base(message, innerException) => Field = field;

    public override string Field { get; }

    public override int Status => 400;

    public override string Title => "Invalid request";
}
