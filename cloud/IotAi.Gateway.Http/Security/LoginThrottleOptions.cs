namespace IotAi.Gateway.Http.Security;

/// <summary>
/// How failed logins are throttled (<c>Security:Api:Throttle</c>): a limit per client address and one per presented key
/// or token, each counted within <see cref="Window"/>; see <see cref="LoginThrottle"/>.
/// </summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failed logins one address may make within <see cref="Window"/> before every call from it is refused; 0 turns this off.</summary>
    public int FailuresPerAddress { get; set; } = 10;

    /// <summary>Failed logins with one key or token, from any address, before calls with it are refused; 0 turns this off.</summary>
    public int FailuresPerKey { get; set; } = 5;

    /// <summary>Failures count within this time from the first; a lockout lasts this long from the failure that reached the limit.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most addresses, and the most keys, remembered at once: what a spray of made-up keys can cost in memory.</summary>
    public int MaxTracked { get; set; } = 10_000;
}
