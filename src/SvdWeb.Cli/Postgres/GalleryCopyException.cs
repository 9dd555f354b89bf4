using SvdWeb.Inference;

namespace SvdWeb.Cli.Postgres;

/// <summary>A copy to PostgreSQL that was not made for a reason the user can fix; the message names the problem and the fix.</summary>
internal sealed class GalleryCopyException(string message, int status = 400, Exception? innerException = null) : UserFacingException(message, innerException)
{
    public override int Status => status;

    public override string Title => "Gallery not copied";
}
