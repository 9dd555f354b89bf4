using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;

namespace SvdWeb.Cli.Accounts;

/// <summary>
/// Adds an account to the app's database with plain SQL against the schema the app's migrations made (ASP.NET Core
/// Identity's tables and the seeded roles "admin" and "user"), hashing the password with Identity's own
/// <see cref="PasswordHasher{TUser}"/>, so the CLI stays free of the web project. The app must have started once. The
/// web tests compile this file in and sign in with what it writes.
/// </summary>
internal static class AccountStore
{
    public const string DatabaseFile = "svdweb.db";

    /// <summary>The app's rule (SvdWeb's Identity options): length only.</summary>
    public const int MinPasswordLength = 8;

    public static string Add(string dataFolder, string userName, string password, bool admin)
    {
        userName = userName.Trim();
        if (userName.Length == 0 || userName.Length > 256 || userName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new AccountStoreException($"'{userName}' is not a user name: use 1 to 256 characters without spaces, e.g. alice or alice@lab.example.");
        if (password.Length < MinPasswordLength)
            throw new AccountStoreException($"The password has {password.Length} characters; it needs at least {MinPasswordLength}. Nothing was stored.");

        var database = Path.Combine(dataFolder, DatabaseFile);
        if (!File.Exists(database))
            throw new AccountStoreException($"There is no database at '{database}'. Start the app once with this data folder (it creates and migrates the database), then add the account; or pass the right --data-folder.");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite }.ToString());
        connection.Open();
        if (Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'AspNetUsers'") is not 1L)
            throw new AccountStoreException($"The database at '{database}' predates accounts. Start the current app once with this data folder (it upgrades the database), then add the account.");

        var normalized = userName.ToUpperInvariant();
        using var transaction = connection.BeginTransaction();
        if (Scalar(connection, "SELECT COUNT(*) FROM AspNetUsers WHERE NormalizedUserName = $name", ("$name", normalized)) is not 0L)
            throw new AccountStoreException($"An account named '{userName}' already exists. Choose another name, or reset its password on the Users page.");
        var role = admin ? "ADMIN" : "USER";
        var roleId = Scalar(connection, "SELECT Id FROM AspNetRoles WHERE NormalizedName = $role", ("$role", role)) as string
            ?? throw new AccountStoreException($"The database at '{database}' has no role '{role.ToLowerInvariant()}'. Start the current app once with this data folder, then try again.");

        var user = new NewAccount(Guid.NewGuid().ToString(), userName);
        // Identity's hasher ignores the user object; the format (v3, PBKDF2) is what the app's UserManager verifies.
        var hash = new PasswordHasher<NewAccount>().HashPassword(user, password);
        Execute(connection, """
            INSERT INTO AspNetUsers (Id, UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, PasswordHash, SecurityStamp,
                ConcurrencyStamp, PhoneNumber, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnd, LockoutEnabled, AccessFailedCount)
            VALUES ($id, $name, $normalized, NULL, NULL, 0, $hash, $stamp, $concurrency, NULL, 0, 0, NULL, 1, 0)
            """,
            ("$id", user.Id), ("$name", userName), ("$normalized", normalized), ("$hash", hash),
            ("$stamp", Convert.ToHexString(RandomNumberGenerator.GetBytes(20))), ("$concurrency", Guid.NewGuid().ToString()));
        Execute(connection, "INSERT INTO AspNetUserRoles (UserId, RoleId) VALUES ($user, $role)", ("$user", user.Id), ("$role", roleId));
        transaction.Commit();
        return user.Id;
    }

    private sealed record NewAccount(string Id, string UserName);

    private static object? Scalar(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }
}
