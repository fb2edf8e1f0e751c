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
    private SiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SiloCluster.StartAsync();

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

    private Task AssertNothingAcknowledgedWasLostAsync(ClusterFleet fleet, SiloNode reader) => fleet.AssertNothingAcknowledgedWasLostAsync(reader, _cluster.Data.FullName);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterGroup
{
    public const string Name = "three-silo cluster";
}
