namespace SvdWeb.Accounts;

/// <summary>One account as the admin page lists it.</summary>
public sealed record UserRow(string Id, string UserName, bool IsAdmin, bool IsDisabled);
