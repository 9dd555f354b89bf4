using System.Net;
using System.Net.Sockets;

namespace SvdWeb.Accounts;

/// <summary>
/// Slows password guessing without handing anyone a way to lock an account: failures are counted per client address
/// and name, and per address across names (password spraying), never per account. After
/// <see cref="FailuresPerName"/> wrong passwords for one name from one address (or <see cref="FailuresPerAddress"/>
/// from one address in all) within <see cref="Window"/>, that address's further attempts are refused unchecked until
/// the window since its first failure has passed; the owner signing in from their own machine is not affected. An
/// IPv6 client is counted by its /64, which one host usually holds whole. Unknown and known names are counted alike,
/// so the throttle tells nothing about which exist.
/// </summary>
public sealed partial class SignInThrottle(TimeProvider time, ILogger<SignInThrottle> logger)
{
    public const int FailuresPerName = 5;

    public const int FailuresPerAddress = 50;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    // Bounds the memory a flood of names or addresses can take; the oldest entries go first.
    private const int MaxTracked = 10_000;

    private readonly Dictionary<string, (DateTimeOffset First, int Count)> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <returns>When this address may try this name again, or null when it may try now.</returns>
    public DateTimeOffset? RetryAfter(IPAddress? address, string userName)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            DateTimeOffset? until = null;
            foreach (var (key, limit) in Keys(address, userName))
            {
                if (_failures.TryGetValue(key, out var entry) && now - entry.First < Window && entry.Count >= limit)
                    until = Later(until, entry.First + Window);
            }
            return until;
        }
    }

    public void Failed(IPAddress? address, string userName)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_failures.Count >= MaxTracked) Prune(now);
            foreach (var (key, limit) in Keys(address, userName))
            {
                (DateTimeOffset First, int Count) entry = _failures.TryGetValue(key, out var found) && now - found.First < Window ? found : (now, 0);
                entry.Count++;
                _failures[key] = entry;
                if (entry.Count == limit) Log.Throttled(logger, Client(address), key.StartsWith("n|", StringComparison.Ordinal) ? userName : "(any name)", entry.Count, Window);
            }
        }
    }

    /// <summary>A correct password from this address clears its count for that name (not its count across names).</summary>
    public void Succeeded(IPAddress? address, string userName)
    {
        lock (_lock) _failures.Remove(NameKey(address, userName));
    }

    private static IEnumerable<(string Key, int Limit)> Keys(IPAddress? address, string userName)
    {
        yield return (NameKey(address, userName), FailuresPerName);
        yield return ($"a|{Client(address)}", FailuresPerAddress);
    }

    private static string NameKey(IPAddress? address, string userName) => $"n|{Client(address)}|{userName.Trim().ToUpperInvariant()}";

    private static string Client(IPAddress? address)
    {
        if (address is null) return "(in-process)";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var key in _failures.Where(e => now - e.Value.First >= Window).Select(e => e.Key).ToArray()) _failures.Remove(key);
        if (_failures.Count < MaxTracked) return;
        foreach (var key in _failures.OrderBy(e => e.Value.First).Take(_failures.Count - (MaxTracked / 2)).Select(e => e.Key).ToArray()) _failures.Remove(key);
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Failures} failed sign-ins from {Client} for {UserName} within {Window}: further attempts from there are refused until the window has passed. Someone may be guessing passwords.")]
        public static partial void Throttled(ILogger logger, string client, string userName, int failures, TimeSpan window);
    }
}
