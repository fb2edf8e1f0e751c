using System.Diagnostics;
using IotAi.Learning;
using IotAi.Tests.Shared;
using Xunit.Abstractions;

namespace IotAi.Cluster.Tests;

/// <summary>
/// Two silos keeping grain state in files through their journals (the embedded default), sharing one data directory as
/// silos on one machine or one volume do. One is killed outright while devices send: whatever it acknowledged was in its
/// journal alone (compaction is set to minutes here), and the silo its devices' grains move to must recover the journal
/// the dead silo left before reading their twins. Every reading is kept for learning as well, so the samples the dead silo
/// had written, whose readings it acknowledged, must all be there too.
/// </summary>
[Collection(ClusterGroup.Name)]
public sealed class JournalCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Devices = 10;
    private SiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SiloCluster.StartAsync(2, static _ =>
    [
        "--Storage:Provider=File", "--Gateway:StateCompactInterval=00:10:00",
        "--Learning:Capture:Default:RandomFraction=1", "--Learning:Capture:Default:PerDevicePerHour=1000000", "--Learning:Capture:Default:PerModelPerHour=1000000",
    ]);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_silo_killed_between_journal_writes_loses_no_acknowledged_reading_or_kept_sample()
    {
        await using var fleet = await ClusterFleet.StartAsync(_cluster, $"journal-{Guid.NewGuid():N}"[..14], Devices);
        await fleet.WaitForProgressAsync(10, "the fleet did not get going", seconds: 60);
        var victim = _cluster.Silos[1];
        var stranded = fleet.Devices.Where(d => d.Port == victim.MqttPort).ToList();
        Assert.NotEmpty(stranded);
        var journal = Path.Combine(_cluster.Data.FullName, "state", ".journal");
        var journals = Directory.GetFiles(journal, "*.alive");
        Assert.Equal(2, journals.Length);

        // Killed while every device has a write on its way: the journal is cut wherever the kill finds it.
        await victim.KillAsync();
        var dead = Stopwatch.GetTimestamp();
        await Eventually.TrueAsync(() => Task.FromResult(stranded.All(d => d.FirstAcknowledgedAfter(dead) is not null)),
            () => "the killed silo's devices were not acknowledged again: " + string.Join("; ", stranded.Where(d => d.FirstAcknowledgedAfter(dead) is null).Select(SiloLossTests.Describe)), seconds: 60);
        await fleet.WaitForProgressAsync(10, "the fleet did not carry on after the kill", seconds: 60);
        await fleet.StopSendingAsync();

        output.WriteLine($"{stranded.Count} devices moved; {fleet.Devices.Sum(d => d.Acknowledged)} readings acknowledged in all");
        SiloLossTests.AssertNothingFailed(fleet);
        await fleet.AssertNothingAcknowledgedWasLostAsync(_cluster.Silos[0], _cluster.Data.FullName);
        AssertEveryAcknowledgedReadingWasKept(fleet);
        // The survivor recovered the dead silo's journal when the first of its grains woke there.
        Assert.Single(Directory.GetFiles(journal, "*.alive"));

        // The killed silo comes back under a journal of its own, beside the survivor's.
        await _cluster.StartAsync(1);
        Assert.Equal(2, Directory.GetFiles(journal, "*.alive").Length);
    }

    private void AssertEveryAcknowledgedReadingWasKept(ClusterFleet fleet)
    {
        var root = Path.Combine(_cluster.Data.FullName, "samples");
        using var samples = new FileSampleStore(root);
        var kept = Directory.GetDirectories(root).SelectMany(m => samples.List(Path.GetFileName(m))).Select(static s => s.Id).ToHashSet(StringComparer.Ordinal);
        var acknowledged = fleet.Devices.SelectMany(static d => Enumerable.Range(1, (int)d.Acknowledged).Select(seq => CapturedSample.IdFor(d.Id, seq))).ToList();
        var missing = acknowledged.Where(id => !kept.Contains(id)).ToList();
        output.WriteLine($"{kept.Count} samples kept for {acknowledged.Count} acknowledged readings");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged readings have no kept sample: {string.Join(", ", missing.Take(20))}");
    }
}
