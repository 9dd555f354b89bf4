using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace SvdWeb.Accounts;

/// <summary>
/// Account management for the admin page and the tests: each call gets its own scope (UserManager and a short-lived
/// context), so a long-lived Blazor circuit never holds a DbContext. Disabling an account locks it out for good and
/// renews its security stamp, so its sign-in cookies stop working at the next check (a minute at most) and its API
/// tokens at once.
/// </summary>
public sealed partial class AccountService(IServiceScopeFactory scopes, AccountsState accounts, Jobs.ProgressFollowers followers, ILogger<AccountService> logger)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var admins = (await users.GetUsersInRoleAsync(Roles.Admin).ConfigureAwait(false)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var all = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct).ConfigureAwait(false);
        return all.Select(u => new UserRow(u.Id, u.UserName ?? u.Id, admins.Contains(u.Id), IsDisabled(u))).ToArray();
    }

    public async Task<string> CreateAsync(string userName, string password, bool admin, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        Check(await users.CreateAsync(user, password).ConfigureAwait(false), $"Account '{userName}' was not created");
        Check(await users.AddToRoleAsync(user, admin ? Roles.Admin : Roles.User).ConfigureAwait(false), $"Account '{userName}' got no role");
        accounts.AccountCreated();
        Log.Created(logger, userName, admin ? Roles.Admin : Roles.User);
        return user.Id;
    }

    /// <summary>
    /// An account for a name the trusted reverse proxy vouched for (SvdWeb:Accounts:ProvisionProxyUsers): role "user",
    /// no password, so it signs in only through the proxy until an admin sets one. Two first requests at once are
    /// fine: the second finds the account the first made.
    /// </summary>
    public async Task ProvisionAsync(string userName, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        var created = await users.CreateAsync(user).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            if (await users.FindByNameAsync(userName).ConfigureAwait(false) is not null) return;
            Check(created, $"Account '{userName}' was not created");
        }
        Check(await users.AddToRoleAsync(user, Roles.User).ConfigureAwait(false), $"Account '{userName}' got no role");
        accounts.AccountCreated();
        Log.Provisioned(logger, userName);
    }

    public async Task ResetPasswordAsync(string userId, string newPassword, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await FindAsync(users, userId).ConfigureAwait(false);
        foreach (var validator in users.PasswordValidators)
            Check(await validator.ValidateAsync(users, user, newPassword).ConfigureAwait(false), "The password was not changed");
        Check(await users.RemovePasswordAsync(user).ConfigureAwait(false), "The password was not changed");
        Check(await users.AddPasswordAsync(user, newPassword).ConfigureAwait(false), "The password was not changed");
        Log.PasswordReset(logger, user.UserName ?? userId);
    }

    public async Task SetDisabledAsync(string userId, bool disabled, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await FindAsync(users, userId).ConfigureAwait(false);
        Check(await users.SetLockoutEnabledAsync(user, true).ConfigureAwait(false), "The account was not changed");
        Check(await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null).ConfigureAwait(false), "The account was not changed");
        Check(await users.UpdateSecurityStampAsync(user).ConfigureAwait(false), "The account was not changed");
        // Cookies are re-checked within a minute and tokens at their next request; open hub connections close now.
        if (disabled) followers.DropUser(user.Id);
        Log.Disabled(logger, user.UserName ?? userId, disabled);
    }

    /// <summary>Disabled means locked out with no end: a failed-login lockout ends, an admin's disable does not.</summary>
    public static bool IsDisabled(IdentityUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow.AddYears(100);
    }

    private static async Task<IdentityUser> FindAsync(UserManager<IdentityUser> users, string userId) =>
        await users.FindByIdAsync(userId).ConfigureAwait(false) ?? throw new AccountException($"There is no account {userId}; reload the page.");

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded) throw new AccountException($"{what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Account {UserName} created with role {Role}.")]
        public static partial void Created(ILogger logger, string userName, string role);

        [LoggerMessage(2, LogLevel.Information, "Password of account {UserName} reset by an admin.")]
        public static partial void PasswordReset(ILogger logger, string userName);

        [LoggerMessage(3, LogLevel.Information, "Account {UserName} disabled: {Disabled}.")]
        public static partial void Disabled(ILogger logger, string userName, bool disabled);

        [LoggerMessage(4, LogLevel.Information, "Account {UserName} created with role user on its first request through the trusted reverse proxy (SvdWeb:Accounts:ProvisionProxyUsers).")]
        public static partial void Provisioned(ILogger logger, string userName);
    }
}
