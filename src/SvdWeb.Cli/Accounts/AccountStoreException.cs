using SvdWeb.Inference;

namespace SvdWeb.Cli.Accounts;

/// <summary>An account could not be added; the message names the problem and the fix.</summary>
internal sealed class AccountStoreException(string message) : UserFacingException(message)
{
    public override int Status => 400;

    public override string Title => "Account not added";
}
