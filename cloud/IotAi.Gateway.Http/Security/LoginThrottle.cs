using System.Net;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Turns away callers who keep failing to log in. After <see cref="LoginThrottleOptions.FailuresPerAddress"/> failed
/// logins from one address within <see cref="LoginThrottleOptions.Window"/>, every call from that address is refused
/// for a window, a good key included: that is what makes guessing keys from it pointless. After
/// <see cref="LoginThrottleOptions.FailuresPerKey"/> failures with one key or token, calls with it are refused from
/// any address, so a wrong key tried from many addresses stops costing lookups and audit entries. A key is told apart
/// by its SHA-256 alone, never kept; each lockout is logged once, when it begins.
/// </summary>
internal sealed partial class LoginThrottle
{
    private readonly LoginThrottleOptions _options;
    private readonly ApiTelemetry _telemetry;
    private readonly ILogger<LoginThrottle> _logger;
    private readonly FailedLogins<IPAddress>? _addresses;
    private readonly FailedLogins<string>? _keys;

    public LoginThrottle(LoginThrottleOptions options, TimeProvider clock, ApiTelemetry telemetry, ILogger<LoginThrottle> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _telemetry = telemetry;
        _logger = logger;
        _addresses = options.FailuresPerAddress > 0 ? new(options.FailuresPerAddress, options.Window, options.MaxTracked, clock) : null;
        _keys = options.FailuresPerKey > 0 ? new(options.FailuresPerKey, options.Window, options.MaxTracked, clock) : null;
    }

    /// <summary>Why a call from <paramref name="address"/> presenting <paramref name="presented"/> is refused for now, or null.</summary>
    public LoginRefusal? Check(IPAddress? address, string? presented)
    {
        if (address is not null && _addresses?.LockedFor(Normalize(address)) is { } addressWait)
        {
            _telemetry.Throttled("address");
            return new LoginRefusal("too many failed logins from this address", addressWait);
        }

        // Hashing every good key again would cost each call a SHA-256 for a table that is nearly always empty.
        if (presented is not null && _keys is { Count: > 0 } keys && keys.LockedFor(ApiKeyHash.Of(presented)) is { } keyWait)
        {
            _telemetry.Throttled("key");
            return new LoginRefusal("too many failed logins with this API key or bearer token", keyWait);
        }

        return null;
    }

    /// <summary>Counts a call from <paramref name="address"/> whose key or token, <paramref name="presented"/>, was not accepted.</summary>
    public void Failed(IPAddress? address, string presented)
    {
        _telemetry.LoginFailed();
        if (address is not null && _addresses?.Fail(Normalize(address)) == true)
        {
            LogAddressLockedOut(address, _options.FailuresPerAddress, _options.Window);
        }

        var digest = ApiKeyHash.Of(presented);
        if (_keys?.Fail(digest) == true && _logger.IsEnabled(LogLevel.Warning))
        {
            LogKeyLockedOut(digest[..8], _options.FailuresPerKey, _options.Window, address);
        }
    }

    /// <summary>An IPv4 client of a dual-stack listener is one address, however the socket spells it.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    [LoggerMessage(Level = LogLevel.Warning, Message = "API calls from {Address} are refused for {Window} after {Failures} failed logins")]
    private partial void LogAddressLockedOut(IPAddress address, int failures, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API calls with the key or token whose SHA-256 begins {Digest} are refused for {Window} after {Failures} failed logins, the last from {Address}")]
    private partial void LogKeyLockedOut(string digest, int failures, TimeSpan window, IPAddress? address);
}

/// <summary>Why a call is turned away, and how long until it may be made again.</summary>
internal sealed record LoginRefusal(string Reason, TimeSpan RetryAfter);
