namespace SvdWeb.Accounts;

/// <summary>The two roles: admins manage accounts and may act on anyone's items; users act on their own.</summary>
public static class Roles
{
    public const string Admin = "admin";

    public const string User = "user";
}
