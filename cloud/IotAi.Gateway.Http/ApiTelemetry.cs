using System.Diagnostics.Metrics;

namespace IotAi.Gateway.Http;

/// <summary>The management API's meters: failed logins and the calls turned away for them, by reason, never by address or key.</summary>
public sealed class ApiTelemetry
{
    public const string MeterName = "IotAi.Api";

    private readonly Counter<long> _loginsFailed;
    private readonly Counter<long> _throttled;

    public ApiTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        _loginsFailed = meter.CreateCounter<long>("iotai.api.logins.failed", "{call}", "Calls whose API key or bearer token was not accepted");
        _throttled = meter.CreateCounter<long>("iotai.api.logins.throttled", "{call}",
            "Calls answered 429 because their address, or their key or token, failed to log in too often");
    }

    internal void LoginFailed() => _loginsFailed.Add(1);

    /// <summary>Counts a call turned away; <paramref name="reason"/> is <c>address</c> or <c>key</c>.</summary>
    internal void Throttled(string reason) => _throttled.Add(1, new KeyValuePair<string, object?>("iotai.reason", reason));
}
