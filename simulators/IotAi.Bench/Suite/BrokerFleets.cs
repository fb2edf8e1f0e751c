using IotAi.Simulator;

namespace IotAi.Bench.Suite;

/// <summary>
/// The fleets the suite drives the gateway and Mosquitto with. One definition serves both sides of a comparison,
/// so the brokers see the same devices, payloads, QoS and pacing; only what counts as the answer differs.
/// </summary>
public static class BrokerFleets
{
    /// <summary>The load: 1,000 devices publishing 256-byte readings at QoS 1.</summary>
    public const int Devices = 1000;

    public const int PayloadBytes = 256;

    /// <summary>
    /// As fast as the broker answers: each device keeps two uplinks in flight and is offered one every 20 ms,
    /// 50,000/s across the fleet, more than either broker answers on this machine.
    /// </summary>
    public static FleetOptions Saturating(string prefix, FleetAnswer answer, bool escalate = true) => Telemetry(prefix, answer, escalate, TimeSpan.FromMilliseconds(20), inFlight: 2);

    /// <summary>An open loop at <paramref name="perSecond"/> across the fleet, with room in flight so the pace never waits for answers.</summary>
    public static FleetOptions Paced(string prefix, FleetAnswer answer, double perSecond) =>
        Telemetry(prefix, answer, escalate: true, TimeSpan.FromSeconds(Devices / perSecond), inFlight: 16);

    /// <summary>The answer each broker gives the same fleet: the gateway's result, or the plain broker's echo.</summary>
    public static FleetAnswer EndToEnd(IMeasuredServer server) => server is MosquittoProcess ? FleetAnswer.Echo : FleetAnswer.Result;

    private static FleetOptions Telemetry(string prefix, FleetAnswer answer, bool escalate, TimeSpan interval, int inFlight) => new()
    {
        Devices = Devices,
        DevicePrefix = prefix,
        ImageEvery = 0,
        PayloadBytes = PayloadBytes,
        TelemetryInterval = interval,
        MaxInFlightPerDevice = inFlight,
        Answer = answer,
        Escalate = escalate,
        ConnectConcurrency = 100,
        ResultTimeout = TimeSpan.FromSeconds(10),
    };
}
