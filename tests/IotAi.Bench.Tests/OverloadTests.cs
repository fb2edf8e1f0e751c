using IotAi.Tests.Shared;
using Xunit.Abstractions;

namespace IotAi.Bench.Tests;

/// <summary>
/// A silo in its own process offered three times or more the rate it answers for a minute, by 400 devices that would
/// each hold up to a thousand uplinks unanswered, a tenth of them camera images as the simulator's default fleet sends:
/// it goes on answering near its rate, the devices see back-pressure (ticks that pass while a PUBACK is held back, and
/// images the model's full queue refuses at once as busy) and nothing fails, its memory stays bounded and comes back
/// down once the devices are quiet, and the normal load afterwards is answered in full at once.
/// </summary>
public sealed class OverloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How far the silo's resident memory may rise over its level before the surge, at the surge's height.</summary>
    private const long PeakBound = 512L * 1024 * 1024;

    private static readonly OverloadPlan Plan = new(
        Devices: 400, Window: 1000, Probe: TimeSpan.FromSeconds(5), Normal: TimeSpan.FromSeconds(10), Surge: TimeSpan.FromMinutes(1),
        SettleMargin: 64L * 1024 * 1024, SettlePatience: TimeSpan.FromMinutes(1));

    private LoneSilo _lone = null!;
    private nint _generatorCores;

    private SiloNode Silo => _lone.Node;

    public async Task InitializeAsync()
    {
        _lone = await LoneSilo.StartAsync("overload-silo", ["--Mqtt:Authentication:Mode=None", "--Mqtt:Tls:Enabled=false", .. OverloadBenchmark.SiloSettings]);
        // One core for the silo, the other for the devices: on two cores shared, the devices could not offer more than
        // the silo answered.
        if (OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2)
        {
            Silo.KeepTo(1);
            _generatorCores = System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity;
            System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = 2;
        }
    }

    public async Task DisposeAsync()
    {
        if (OperatingSystem.IsLinux() && _generatorCores != 0)
        {
            System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = _generatorCores;
        }

        await _lone.DisposeAsync();
    }

    [Fact]
    public async Task Three_times_the_rate_for_a_minute_is_held_back_not_failed_and_leaves_memory_and_answers_as_they_were()
    {
        var m = await OverloadBenchmark.MeasureAsync(new MeasuredSilo(Silo), Plan, CancellationToken.None);
        output.WriteLine($"rate {m.Rate:F0}/s; surge: {Plan.Devices / OverloadBenchmark.FlatOut.TotalSeconds:F0} meant/s, {m.Surge.Sent / m.Surge.ElapsedSeconds:F0} sent/s, {m.Surge.ResultsPerSecond:F0} answers/s, {m.Surge.Throttled} ticks held back, {m.Surge.Refused} refused, " +
            $"{m.Surge.Errors} errors, {m.Surge.Timeouts} timeouts, p99 {m.Surge.Latency.P99Ms:F0} ms; resident {m.ResidentIdle >> 20} MiB idle, {m.ResidentBefore >> 20} MiB before, {m.ResidentPeak >> 20} MiB at most, " +
            $"{m.ResidentSettled >> 20} MiB {m.Settling.TotalSeconds:F0} s after; p99 before {m.Before.Latency.P99Ms:F1} ms, after {m.After.Latency.P99Ms:F1} ms");

        // Overload: the devices meant to send three times or more what the silo answered. A device sends on its tick unless
        // its last PUBACK has not come (the tick passes) or its window of unanswered uplinks is full (counted as held back).
        var offered = Plan.Devices / OverloadBenchmark.FlatOut.TotalSeconds;
        Assert.True(offered >= 3 * m.Surge.ResultsPerSecond, $"{offered:F0} uplinks/s offered, not three times the {m.Surge.ResultsPerSecond:F0}/s answered");
        // Held back or refused as busy, not failed: the devices skip ticks while their window is full, and a reading the
        // image model's full queue cannot take is refused at once (Quota exceeded, "busy"); nothing else errs, is
        // refused or times out.
        Assert.True(m.Surge.Sent < 0.5 * offered * m.Surge.ElapsedSeconds, $"the devices sent {m.Surge.Sent} of the {offered * m.Surge.ElapsedSeconds:F0} uplinks they meant to: nothing held them back");
        var busy = m.Surge.ErrorsByCode.GetValueOrDefault(Protocol.ErrorCodes.Busy);
        Assert.Equal((busy, busy, 0L, 0L), (m.Surge.Errors, m.Surge.Refused, m.Surge.Timeouts, m.Surge.SendFailures));
        Assert.True(m.Surge.ResultsPerSecond >= m.Rate / 2, $"under the surge the silo answered {m.Surge.ResultsPerSecond:F0}/s, under half its rate");
        // Bounded: no queue grows with the surge's length.
        Assert.True(m.ResidentPeak - m.ResidentBefore < PeakBound, $"resident memory rose {(m.ResidentPeak - m.ResidentBefore) >> 20} MiB");
        // Given back: once the devices are quiet, the silo returns near its level before any load (the probe's own
        // flat-out runs included), not just before the surge.
        Assert.True(m.ResidentSettled <= m.ResidentIdle + Plan.SettleMargin, $"resident memory was still {(m.ResidentSettled - m.ResidentIdle) >> 20} MiB above its level before any load {Plan.SettlePatience.TotalSeconds} s after the surge");
        // Recovered, as soon as memory settled: the normal load after is answered in full, nothing held back. (Its latency
        // is reported, not asserted: timings belong to the benchmark, on a machine the test does not share.)
        Assert.Equal((0L, 0L, 0L, 0L), (m.After.Errors, m.After.Timeouts, m.After.Throttled, m.After.Refused));
        Assert.True(m.After.ResultsPerSecond >= 0.9 * m.Rate / 3, $"after the surge {m.After.ResultsPerSecond:F0} answers/s of the {m.Rate / 3:F0}/s offered");
    }

    /// <summary>The silo process as the benchmark measures a server.</summary>
    private sealed class MeasuredSilo(SiloNode silo) : IMeasuredServer
    {
        public string Name => "IotAi silo";

        public int MqttPort => silo.MqttPort;

        public TimeSpan Cpu => silo.Cpu;

        public long ResidentBytes => silo.ResidentBytes();
    }
}
