using System.Globalization;
using System.Text;
using IotAi.Bench.Suite;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench.Transports;

/// <summary>
/// MQTTnet on Kestrel's transport (MQTTnet.AspNetCore, packets parsed from pipelines) against the listener the silo
/// runs (a socket read through a stream into MQTTnet's channel adapter), side by side on measures 1, 6 and 7 of
/// the suite. Each runs a bare MQTTnet broker with nothing behind it, so the figures differ by the transport alone:
/// the silo's packet-size guard, connection limits and gateway are left out of both.
/// </summary>
public static class TransportBenchmark
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<TransportFigures>> RunAsync(int idleDevices, TimeSpan measure, CancellationToken cancellationToken)
    {
        var devices = IdleMemoryMeasure.DevicesWithin(idleDevices);
        var figures = new List<TransportFigures>();
        foreach (var transport in (BrokerTransport[])[BrokerTransport.Tcp, BrokerTransport.Kestrel])
        {
            AnsiConsole.MarkupLineInterpolated($"Transport {transport}: measure 1's fleet against a bare MQTTnet broker, then a steady run for its allocations…");
            FleetMeasurement rate;
            FleetMeasurement steady;
            BrokerStats allocated;
            await using (var broker = await BareBrokerProcess.StartAsync(transport, cancellationToken))
            {
                rate = await FleetBenchmark.MeasureAsync(broker, Fleet, WarmUp, measure, cancellationToken);
                var before = await broker.StatsAsync(cancellationToken);
                steady = await FleetBenchmark.MeasureAsync(broker, Fleet, TimeSpan.Zero, measure, cancellationToken);
                allocated = await broker.StatsAsync(cancellationToken) - before;
            }

            AnsiConsole.MarkupLineInterpolated($"Transport {transport}: {devices:N0} idle connections…");
            await using (var broker = await BareBrokerProcess.StartAsync(transport, cancellationToken))
            {
                figures.Add(new TransportFigures(transport, rate, steady, allocated, await IdleMemoryMeasure.MeasureAsync(broker, devices, cancellationToken)));
            }
        }

        return figures;
    }

    public static void Append(StringBuilder text, IReadOnlyList<TransportFigures> figures)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(figures);
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("## MQTTnet's transports: the silo's listener against Kestrel");
        text.AppendLine();
        text.AppendLine("A bare MQTTnet broker on each transport, in a process of its own, that acknowledges each publish and drops it (the silo");
        text.AppendLine("takes a device's reading off MQTTnet before any subscription is matched), driven as measure 1 drives the silo: 1,000");
        text.AppendLine("devices keeping two 256-byte QoS 1 publishes in flight, each answered by its PUBACK; a second run of the same fleet");
        text.AppendLine("between two reads of the broker's allocation counters (measure 7); then idle connections on a fresh broker (measure 6).");
        text.AppendLine("The silo's packet-size guard, limits and gateway are in neither, so the figures differ by the transport alone.");
        text.AppendLine();
        text.AppendLine("| transport | answered/s | CPU µs/message | p50 | p99 | allocated per message | Gen0; Gen1; Gen2 | per idle connection |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in figures)
        {
            text.AppendLine(c, $"| {f.Transport} | {f.Rate.Rate.PerSecond:N0} | {f.Rate.Rate.CpuMicrosPerItem:F1} | {f.Rate.Latency.P50Ms:F2} ms | {f.Rate.Latency.P99Ms:F2} ms | {f.BytesPerMessage:N0} B | {f.Allocated.Gen0}; {f.Allocated.Gen1}; {f.Allocated.Gen2} | {f.Idle.BytesPerDevice / 1024:F1} KB |");
        }

        if (figures.Count == 2)
        {
            var (tcp, kestrel) = (figures[0], figures[1]);
            text.AppendLine();
            text.AppendLine(c, $"Kestrel ÷ the silo's listener: **{kestrel.Rate.Rate.PerSecond / tcp.Rate.Rate.PerSecond:F2}×** the rate, **{kestrel.Rate.Rate.CpuMicrosPerItem / tcp.Rate.Rate.CpuMicrosPerItem:F2}×** the CPU per message, **{kestrel.BytesPerMessage / tcp.BytesPerMessage:F2}×** the allocations per message, **{kestrel.Idle.BytesPerDevice / tcp.Idle.BytesPerDevice:F2}×** the memory per idle connection.");
        }

        text.AppendLine();
    }

    private static FleetOptions Fleet() => BrokerFleets.Saturating("transport", FleetAnswer.Acknowledgement, escalate: false);
}

/// <summary>One transport's figures.</summary>
/// <param name="Transport">Which listener carried the connections.</param>
/// <param name="Rate">Measure 1's fleet, after a warm-up.</param>
/// <param name="Steady">A second run of the same fleet.</param>
/// <param name="Allocated">The broker's runtime counters over <paramref name="Steady"/>.</param>
/// <param name="Idle">Memory per idle connection, on a fresh broker.</param>
public sealed record TransportFigures(BrokerTransport Transport, FleetMeasurement Rate, FleetMeasurement Steady, BrokerStats Allocated, IdleMemory Idle)
{
    /// <summary>Bytes allocated over the steady run per message answered in its window (connecting the fleet included, as for measure 7).</summary>
    public double BytesPerMessage => Steady.Rate.Items == 0 ? 0 : (double)Allocated.AllocatedBytes / Steady.Rate.Items;
}
