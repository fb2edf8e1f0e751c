using System.Diagnostics;
using IotAi.Gateway.Mqtt;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests;

/// <summary>
/// A three-silo cluster on real Redis and PostgreSQL loses a silo, outright (SIGKILL), stopped as Kubernetes stops a pod
/// (SIGTERM), or each in turn in a rolling restart, while devices send steadily. What the cluster acknowledged, it keeps.
/// </summary>
[Collection(ClusterGroup.Name)]
public sealed class SiloLossTests : IAsyncLifetime
{
    private const int Devices = 12;
    private ThreeSiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ThreeSiloCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_silo_killed_outright_loses_no_acknowledged_reading_and_its_devices_carry_on_through_the_others_within_ten_seconds()
    {
        await using var fleet = await ClusterFleet.StartAsync(_cluster, $"kill-{Guid.NewGuid():N}"[..13], Devices);
        await fleet.WaitForProgressAsync(5, "the fleet did not get going", seconds: 60);
        var victim = _cluster.Silos[1];
        var stranded = fleet.Devices.Where(d => d.Port == victim.MqttPort).ToList();
        Assert.NotEmpty(stranded);

        var killed = Stopwatch.GetTimestamp();
        await victim.KillAsync();
        await Eventually.TrueAsync(() => Task.FromResult(stranded.All(d => d.Port != 0 && d.Port != victim.MqttPort)),
            "the killed silo's devices were not connected to another silo within 10 s", seconds: 10);
        var reconnected = Stopwatch.GetElapsedTime(killed);

        // Inference goes on: every device gets 20 more readings acknowledged after the kill.
        await fleet.WaitForProgressAsync(20, "the fleet did not carry on after the kill", seconds: 120);
        await fleet.StopSendingAsync();
        await AssertNothingAcknowledgedWasLostAsync(fleet, _cluster.Silos[0]);
        Assert.True(reconnected < TimeSpan.FromSeconds(10), $"reconnection took {reconnected}");
    }

    [Fact]
    public async Task A_silo_stopped_as_Kubernetes_stops_a_pod_sends_its_devices_to_another_silo_and_loses_no_acknowledged_reading()
    {
        await using var fleet = await ClusterFleet.StartAsync(_cluster, $"stop-{Guid.NewGuid():N}"[..13], Devices);
        await fleet.WaitForProgressAsync(5, "the fleet did not get going", seconds: 60);
        var leaving = _cluster.Silos[0];
        var devices = fleet.Devices.Where(d => d.Port == leaving.MqttPort).ToList();
        Assert.NotEmpty(devices);

        await leaving.StopAsync();

        // An MQTT 5 DISCONNECT, "use another server", and the devices did.
        await Eventually.TrueAsync(() => Task.FromResult(devices.All(d => d.Goodbyes.Contains(MqttIngress.ShuttingDown) && d.Port is not 0 && d.Port != leaving.MqttPort)),
            () => $"{leaving.Name} did not send its devices to another silo: " + string.Join("; ", devices
                .Where(d => !d.Goodbyes.Contains(MqttIngress.ShuttingDown) || d.Port is 0 || d.Port == leaving.MqttPort)
                .Select(d => $"{d.Id} on port {d.Port} heard [{string.Join(", ", d.Goodbyes)}]")), seconds: 30);
        await fleet.StopSendingAsync();
        await AssertNothingAcknowledgedWasLostAsync(fleet, _cluster.Silos[1]);
    }

    [Fact]
    public async Task A_rolling_restart_under_steady_load_fails_no_inference_and_loses_no_reading()
    {
        await using var fleet = await ClusterFleet.StartAsync(_cluster, $"roll-{Guid.NewGuid():N}"[..13], Devices);
        await fleet.WaitForProgressAsync(5, "the fleet did not get going", seconds: 60);
        for (var i = 0; i < _cluster.Silos.Count; i++)
        {
            var silo = _cluster.Silos[i];
            await silo.StopAsync();
            await _cluster.StartAsync(i);
            await fleet.WaitForProgressAsync(5, $"the fleet did not carry on after {silo.Name} restarted", seconds: 120);
        }

        await fleet.StopSendingAsync();
        Assert.All(fleet.Devices, static d => Assert.Equal((0, 0), (d.Refusals, d.Errors.Count)));
        await AssertNothingAcknowledgedWasLostAsync(fleet, _cluster.Silos[2]);
    }

    /// <summary>
    /// Every reading a silo acknowledged is in its device's twin, counted once, as any silo reads the twin back from
    /// PostgreSQL; and the cloud answered every one of them but, at most, those the twin counted as repeats and one per
    /// connection the device lost. A reading whose acknowledgement was lost (with a connection, or a silo that stopped
    /// mid-call) is sent again, and a repeat is acknowledged without a second answer, as the protocol says; an answer
    /// still queued for a connection that closes goes with it.
    /// </summary>
    private async Task AssertNothingAcknowledgedWasLostAsync(ClusterFleet fleet, SiloNode reader)
    {
        using var api = reader.Api(_cluster.Data.FullName);
        var (twins, unavailable) = await ClusterFleet.TwinsAsync(api, fleet.Devices);
        // Right after a kill, the reader may need a few seconds to hear the silo is gone: a read or two per device may
        // be answered 503 and made again; not more.
        Assert.InRange(unavailable, 0, 2 * fleet.Devices.Count);
        Assert.All(fleet.Devices, d =>
        {
            // The twin may also hold the reading that was on its way when sending stopped (kept, its PUBACK lost with the
            // connection), but never fewer than were acknowledged, and each reading once.
            var twin = twins[d.Id];
            Assert.InRange(twin.HighestSeq, d.Acknowledged, d.Acknowledged + 1);
            Assert.Equal(twin.HighestSeq, twin.Counters.Telemetry);
        });
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(fleet.Devices.All(d => d.Acknowledged - d.Results.Count <= twins[d.Id].Counters.Duplicates + d.Goodbyes.Count)),
                "acknowledged readings were not answered", seconds: 30);
        }
        catch (Xunit.Sdk.XunitException)
        {
            var unanswered = fleet.Devices.Where(d => d.Acknowledged - d.Results.Count > twins[d.Id].Counters.Duplicates + d.Goodbyes.Count)
                .Select(d => $"{d.Id}: {d.Acknowledged} acknowledged, {d.Results.Count} answered, {twins[d.Id].Counters.Duplicates} repeats, {d.Goodbyes.Count} connections lost, missing [{string.Join(", ", Enumerable.Range(1, (int)d.Acknowledged).Where(n => !d.Results.ContainsKey(n)))}]");
            throw new Xunit.Sdk.XunitException($"acknowledged readings were not answered:{Environment.NewLine}{string.Join(Environment.NewLine, unanswered)}");
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterGroup
{
    public const string Name = "three-silo cluster";
}
