namespace SvdWeb.Cli.Accounts;

/// <summary>An account could not be added; the message names the problem and the fix.</summary>
internal sealed class AccountStoreException(string message) : Exception(message);
