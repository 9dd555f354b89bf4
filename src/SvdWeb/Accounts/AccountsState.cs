using Microsoft.EntityFrameworkCore;
using SvdWeb.Gallery;

namespace SvdWeb.Accounts;

/// <summary>
/// Whether any account exists: without one, the server runs in local mode (everyone on this machine is the built-in
/// admin); with one, everyone signs in. Accounts can be added by the CLI while the app runs, so a "no" is re-checked
/// at most once a second; a "yes" is final until restart.
/// </summary>
public sealed class AccountsState(IDbContextFactory<GalleryDbContext> dbFactory, TimeProvider time)
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

    /// <summary>Call after creating an account in this process, so local mode ends at once.</summary>
    public void AccountCreated() => _hasAccounts = true;
}
