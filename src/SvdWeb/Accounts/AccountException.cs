using SvdWeb.Inference;

namespace SvdWeb.Accounts;

/// <summary>An account change was refused (name taken, weak password, no such user); the message says what to change.</summary>
public sealed class AccountException(string message) : UserFacingException(message)
{
    public override int Status => 400;

    public override string Title => "Account change refused";
}
