using System.Diagnostics;
using IotAi.Simulator;

namespace IotAi.Bench;

/// <summary>
/// A surge well past what the gateway can take, and what it leaves behind. The fleet first finds the gateway's rate
/// (devices sending far faster than it answers), runs at a third of it, then goes flat out for a while, offering three
/// times or more what the gateway answers meanwhile; each
/// device holds at most <see cref="OverloadPlan.Window"/> uplinks unanswered and skips its tick beyond that, which is
/// the back-pressure a device sees when its PUBACKs and answers are held back. Then the devices go quiet, still
/// connected, and the silo's resident memory is watched until it is back near where it was before any load; then the
/// normal load again, to see it answered as before.
/// </summary>
public static class OverloadBenchmark
{
    public static async Task<OverloadMeasurement> MeasureAsync(IMeasuredServer silo, OverloadPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(plan);
        // The rate: answers a second with the fleet flat out, after as long again to warm up. Readings refused as busy
        // meanwhile are the back-pressure this measures, not a failure.
        var warmUp = await RunAsync(silo, plan, FlatOut, plan.Probe, cancellationToken);
        var rate = (await RunAsync(silo, plan, FlatOut, plan.Probe, cancellationToken)).Snapshot.ResultsPerSecond;
        var normal = Interval(plan.Devices, rate / 3);
        var before = await RunAsync(silo, plan, normal, plan.Normal, cancellationToken);
        // The surge is the fleet flat out: what it offers (its ticks, sent or held back) is what shows it was three times
        // or more the rate the silo answered at meanwhile.
        // Memory is expected back near where it was before any load, the devices connected: what the probe's own
        // flat-out runs left behind must go too, or the level "before the surge" would already hold a surge.
        var surge = await RunAsync(silo, plan, FlatOut, plan.Surge, cancellationToken, settleTo: warmUp.ResidentAtStart);
        var after = await RunAsync(silo, plan, normal, plan.Normal, cancellationToken);
        return new OverloadMeasurement(plan.Devices, rate, before.Snapshot, surge.Snapshot, after.Snapshot,
            warmUp.ResidentAtStart, surge.ResidentAtStart, surge.ResidentPeak, surge.ResidentSettled, surge.Settling);
    }

    /// <summary>
    /// The overload on a silo of its own, kept to one core while the devices have the other (on two cores shared, the
    /// devices could not offer more than the silo answers), with limits per address raised for a fleet on few addresses.
    /// </summary>
    public static async Task<OverloadMeasurement> RunAsync(OverloadPlan plan, CancellationToken cancellationToken)
    {
        await using var silo = await SiloProcess.StartAsync(SiloSettings, cancellationToken);
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            return await MeasureAsync(silo, plan, cancellationToken);
        }

        silo.KeepTo(1);
        using var self = Process.GetCurrentProcess();
        var cores = self.ProcessorAffinity;
        self.ProcessorAffinity = 2;
        try
        {
            return await MeasureAsync(silo, plan, cancellationToken);
        }
        finally
        {
            self.ProcessorAffinity = cores;
        }
    }

    /// <summary>What a silo under the overload runs with beyond its defaults: one host's fleet may hold all its connections.</summary>
    public static IReadOnlyList<string> SiloSettings { get; } =
    [
        "--Learning:Training:CheckInterval=1.00:00:00",
        "--Mqtt:Limits:MaxConnectionsPerAddress=100000", "--Mqtt:Limits:ConnectsPerSecondPerAddress=100000", "--Mqtt:Limits:ConnectBurstPerAddress=100000",
    ];

    /// <summary>
    /// A device's tick when the fleet goes flat out: far faster than answers come (100 a second a device), yet not so fast
    /// that ticking alone takes the load generator's share of the cores.
    /// </summary>
    public static TimeSpan FlatOut { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The tick that makes <paramref name="devices"/> devices offer <paramref name="perSecond"/> uplinks a second between them.</summary>
    private static TimeSpan Interval(int devices, double perSecond) => TimeSpan.FromSeconds(devices / Math.Max(1, perSecond));

    private static FleetOptions Options(OverloadPlan plan, TimeSpan interval)
    {
        var options = new FleetOptions
        {
            Devices = plan.Devices,
            DevicePrefix = "overload",
            TelemetryInterval = interval,
            ImageEvery = plan.ImageEvery,
            MaxInFlightPerDevice = plan.Window,
            LocalAddresses = Math.Max(1, plan.Devices / 500),
        };
        // A reading sent as the surge ends waits behind full queues (a camera frame behind a hundred others), and is
        // given as long for its answer as any reading before it, not the default few seconds of a finished run.
        options.DrainTimeout = options.ResultTimeout;
        return options;
    }

    /// <summary>
    /// One fleet for <paramref name="duration"/>, the silo's resident memory read every half second; with
    /// <paramref name="settleTo"/>, the devices then stay connected and quiet while it is watched until it is within the
    /// plan's margin of that level, or the plan's patience runs out.
    /// </summary>
    private static async Task<Run> RunAsync(IMeasuredServer silo, OverloadPlan plan, TimeSpan interval, TimeSpan duration, CancellationToken cancellationToken, long? settleTo = null)
    {
        var options = Options(plan, interval);
        options.Host = "127.0.0.1";
        options.Port = silo.MqttPort;
        options.Duration = duration;
        options.FirstSeq = FleetOptions.SeqFromClock();
        await using var fleet = new Fleet(options);
        await fleet.ConnectAsync(cancellationToken);
        var residentAtStart = silo.ResidentBytes;
        var peak = residentAtStart;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        var run = fleet.RunAsync(cancellationToken);
        // One tick is waited for at a time, the last possibly still pending when the run ends: the quiet watch takes it over.
        var next = tick.WaitForNextTickAsync(cancellationToken).AsTask();
        while (!run.IsCompleted)
        {
            peak = Math.Max(peak, silo.ResidentBytes);
            if (await Task.WhenAny(run, next) == next)
            {
                next = tick.WaitForNextTickAsync(cancellationToken).AsTask();
            }
        }

        await run;
        var snapshot = fleet.Statistics.Snapshot();
        if (settleTo is not { } level)
        {
            return new Run(snapshot, residentAtStart, peak, silo.ResidentBytes, TimeSpan.Zero);
        }

        var quiet = Stopwatch.StartNew();
        var resident = silo.ResidentBytes;
        while (resident > level + plan.SettleMargin && quiet.Elapsed < plan.SettlePatience)
        {
            await next;
            next = tick.WaitForNextTickAsync(cancellationToken).AsTask();
            resident = silo.ResidentBytes;
        }

        return new Run(snapshot, residentAtStart, peak, resident, quiet.Elapsed);
    }

    private sealed record Run(FleetSnapshot Snapshot, long ResidentAtStart, long ResidentPeak, long ResidentSettled, TimeSpan Settling);
}

/// <summary>How the overload is run.</summary>
/// <param name="Devices">How many devices make the load.</param>
/// <param name="Window">Uplinks a device may hold unanswered; beyond it, it skips its tick.</param>
/// <param name="Probe">How long the fleet runs flat out to find the gateway's rate (after as long a warm-up).</param>
/// <param name="Normal">How long the normal load (a third of that rate) runs before and after the surge.</param>
/// <param name="Surge">How long the fleet goes flat out.</param>
/// <param name="SettleMargin">How near its level before any load the silo's resident memory must come back.</param>
/// <param name="SettlePatience">How long the quiet devices wait for it.</param>
/// <param name="ImageEvery">Each device's every this-many-th uplink is a camera image (0: none), as the simulator's default fleet sends.</param>
public sealed record OverloadPlan(int Devices, int Window, TimeSpan Probe, TimeSpan Normal, TimeSpan Surge, long SettleMargin, TimeSpan SettlePatience, int ImageEvery = 10)
{
    /// <summary>
    /// The benchmark's plan: a minute flat out, each device holding up to a thousand uplinks unanswered (so only the
    /// silo's PUBACKs hold it back), and resident memory expected back within 64 MiB within two minutes.
    /// </summary>
    public static OverloadPlan Bench(int devices) => new(
        devices, Window: 1000, Probe: TimeSpan.FromSeconds(10), Normal: TimeSpan.FromSeconds(20), Surge: TimeSpan.FromMinutes(1),
        SettleMargin: 64L * 1024 * 1024, SettlePatience: TimeSpan.FromMinutes(2));
}

/// <summary>What the overload did.</summary>
/// <param name="Devices">How many devices made the load.</param>
/// <param name="Rate">The gateway's rate, answers a second, with the fleet flat out.</param>
/// <param name="Before">The normal load before the surge.</param>
/// <param name="Surge">The surge; its uplinks offered are those sent and the ticks held back.</param>
/// <param name="After">The normal load after the surge, once memory settled.</param>
/// <param name="ResidentIdle">The silo's resident memory before any load, its devices connected.</param>
/// <param name="ResidentBefore">Its resident memory before the surge, its devices connected and quiet, after the probe and the normal load.</param>
/// <param name="ResidentPeak">Its highest during the surge.</param>
/// <param name="ResidentSettled">Where it was when the quiet devices stopped watching.</param>
/// <param name="Settling">How long after the surge that was.</param>
public sealed record OverloadMeasurement(
    int Devices, double Rate, FleetSnapshot Before, FleetSnapshot Surge, FleetSnapshot After,
    long ResidentIdle, long ResidentBefore, long ResidentPeak, long ResidentSettled, TimeSpan Settling);
