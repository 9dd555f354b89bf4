using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Options;

namespace SvdWeb.Accounts;

/// <summary>
/// Whether any account exists: without one, the server runs in local mode (everyone on this machine is the built-in
/// admin); with one, everyone signs in. Accounts can be added by the CLI while the app runs, so a "no" is re-checked
/// at most once a second; a "yes" is final until restart. Proxy sign-in (SvdWeb:Accounts:ProxyHeader) ends local mode
/// too: the server is then meant to be shared, and a request the proxy forwards without the header must not be the
/// admin just because the proxy runs on this machine.
/// </summary>
public sealed class AccountsState(IDbContextFactory<GalleryDbContext> dbFactory, TimeProvider time, IOptions<AccountsOptions> accountsOptions)
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);
    private volatile bool _hasAccounts;
    private long _checkedAtTicks;

    public bool HasAccounts
    {
        get
        {
            if (_hasAccounts) return true;
            var now = time.GetUtcNow().UtcTicks;
            if (now - Interlocked.Read(ref _checkedAtTicks) < Recheck.Ticks) return false;
            using var db = dbFactory.CreateDbContext();
            _hasAccounts = db.Users.Any();
            Interlocked.Exchange(ref _checkedAtTicks, now);
            return _hasAccounts;
        }
    }

    /// <summary>Local mode: no account exists and proxy sign-in is off, so this machine is the built-in admin.</summary>
    public bool IsLocalMode => !accountsOptions.Value.IsProxyMode && !HasAccounts;

    /// <summary>Call after creating an account in this process, so local mode ends at once.</summary>
    public void AccountCreated() => _hasAccounts = true;
}
