using SvdWeb.Inference;

namespace SvdWeb.Cli.Backup;

/// <summary>A backup that cannot be made for a reason the user can fix; the message names the problem and the fix.</summary>
internal sealed class BackupException(string message, Exception? innerException = null) : UserFacingException(message, innerException)
{
    public override int Status => 400;

    public override string Title => "Backup not made";
}
