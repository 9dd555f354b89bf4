namespace SvdWeb.Accounts;

/// <summary>An account change was refused (name taken, weak password, no such user); the message says what to change.</summary>
public sealed class AccountException(string message) : Exception(message);
