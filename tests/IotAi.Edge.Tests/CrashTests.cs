using System.Globalization;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Edge.Tests;

/// <summary>
/// The on-disk queue against the worst a device meets: the agent killed with SIGKILL while it sends about a
/// thousand readings a second, then started again on the same queue.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-crash-");

    [Fact]
    public async Task An_agent_killed_mid_stream_loses_nothing_and_repeats_nothing_once_restarted()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("kill9");
        var settings = new Dictionary<string, string>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.001",
        };

        using (var firstRun = AgentProcess.Start(broker.Port, deviceId, _data.FullName, settings))
        {
            await Eventually.TrueAsync(() => Task.FromResult(AgentHost.Readings(broker, deviceId).Count >= 2000), "the agent did not send 2,000 readings", seconds: 60);

            // The broker stalls: what arrives now is received but never acknowledged before the kill.
            var acknowledged = AgentHost.Readings(broker, deviceId).Count;
            broker.HoldAcknowledgements();
            await Eventually.TrueAsync(() => Task.FromResult(AgentHost.Readings(broker, deviceId).Count > acknowledged), "nothing arrived while acknowledgements were held", seconds: 30);
            await firstRun.KillAsync();
            broker.ReleaseAcknowledgements();
        }

        var beforeRestart = AgentHost.Readings(broker, deviceId);
        var unacknowledged = beforeRestart[^1].Seq!.Value;
        using (var secondRun = AgentProcess.Start(broker.Port, deviceId, _data.FullName, settings))
        {
            await Eventually.TrueAsync(() => Task.FromResult(AgentHost.Readings(broker, deviceId).Count >= beforeRestart.Count + 2000), "the restarted agent did not send 2,000 more", seconds: 60);
            await secondRun.KillAsync();
        }

        var received = AgentHost.Readings(broker, deviceId);
        var seqs = received.Select(static t => t.Seq!.Value).ToHashSet();
        var (first, last) = (seqs.Min(), seqs.Max());

        // By count and by set: every number from the first to the last arrived, none is missing.
        Assert.Equal(last - first + 1, seqs.Count);
        Assert.True(seqs.SetEquals(Enumerable.Range(0, seqs.Count).Select(i => first + i)));
        // The numbers span the kill: what was queued but unsent when it came went out after the restart.
        Assert.Contains(beforeRestart.Max(static t => t.Seq!.Value) + 1, seqs);
        // The reading the broker had but never acknowledged was sent again after the restart, under its number.
        Assert.True(received.Count(t => t.Seq == unacknowledged) >= 2, $"reading {unacknowledged} was not sent again");
        // A number that came twice (sent, killed before its acknowledgement was stored, sent again) carried the
        // same reading both times, and no reading came under two numbers: the cloud sees each exactly once.
        Assert.All(received.GroupBy(static t => t.Seq), g => Assert.Single(g.Select(Identity).Distinct()));
        Assert.All(received.GroupBy(Identity), g => Assert.Single(g.Select(static t => t.Seq).Distinct()));
    }


    private static string Identity(Telemetry telemetry) => string.Create(CultureInfo.InvariantCulture,
        $"{telemetry.Timestamp:O}|{string.Join(',', telemetry.Values.OrderBy(static v => v.Key).Select(static v => $"{v.Key}={v.Value:R}"))}");

    public void Dispose() => _data.Delete(recursive: true);
}
