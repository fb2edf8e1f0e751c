using System.Diagnostics;
using IotAi.Gateway.Mqtt;
using IotAi.Tests.Shared;
using Xunit.Abstractions;

namespace IotAi.Cluster.Tests;

/// <summary>
/// A three-silo cluster on real Redis and PostgreSQL loses a silo, outright (SIGKILL), stopped as Kubernetes stops a pod
/// (SIGTERM), or each in turn in a rolling restart, while devices send steadily. What the cluster acknowledged, it keeps.
/// </summary>
[Collection(ClusterGroup.Name)]
public sealed class SiloLossTests(ITestOutputHelper output) : IAsyncLifetime
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
        // The killed silo may have acknowledged a reading between the signal and its death: only what came after it is gone counts.
        var dead = Stopwatch.GetTimestamp();

        // Back means acknowledged again, not merely connected: each stranded device's first reading a silo kept after the kill.
        await Eventually.TrueAsync(() => Task.FromResult(stranded.All(d => d.FirstAcknowledgedAfter(dead) is not null)),
            () => "the killed silo's devices were not acknowledged again: " + string.Join("; ", stranded.Where(d => d.FirstAcknowledgedAfter(dead) is null).Select(Describe)), seconds: 60);
        var back = stranded.Select(d => d.FirstAcknowledgedAfter(dead)!.Value + Stopwatch.GetElapsedTime(killed, dead)).ToList();
        output.WriteLine($"{stranded.Count} stranded devices acknowledged again {back.Min().TotalSeconds:F1} to {back.Max().TotalSeconds:F1} s after the kill");

        // Inference goes on: every device gets 20 more readings acknowledged after the kill.
        await fleet.WaitForProgressAsync(20, "the fleet did not carry on after the kill", seconds: 120);
        await fleet.StopSendingAsync();
        AssertNothingFailed(fleet);
        await AssertNothingAcknowledgedWasLostAsync(fleet, _cluster.Silos[0]);
        Assert.True(back.Max() < TimeSpan.FromSeconds(10), $"the last stranded device was acknowledged again {back.Max().TotalSeconds:F1} s after the kill");
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
        AssertNothingFailed(fleet);
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
        foreach (var device in fleet.Devices)
        {
            output.WriteLine(Describe(device));
        }

        // Every connection a restart ended, the silo ended itself, telling the device to use another server.
        Assert.All(fleet.Devices, static d => Assert.All(d.Goodbyes, static g => Assert.Equal(MqttIngress.ShuttingDown, g)));
        AssertNothingFailed(fleet);
        await AssertNothingAcknowledgedWasLostAsync(fleet, _cluster.Silos[2]);
    }

    /// <summary>
    /// No refusal, no error reply, no publish left unacknowledged past the device's patience; and what the devices'
    /// clients threw is within what losing a connection costs, counted per device.
    /// </summary>
    internal static void AssertNothingFailed(ClusterFleet fleet)
    {
        Assert.All(fleet.Devices, static d => Assert.Equal((0, 0, 0), (d.Refusals, d.Errors.Count, d.Timeouts)));
        Assert.All(fleet.Devices, static d =>
        {
            // Each time a device loses its silo, the reading on its way fails with the connection; the device waits for
            // the client to report the loss before it sends again: one per connection lost, sent again and kept once.
            Assert.InRange(d.PublishExceptions.Count, 0, d.Goodbyes.Count);
            // The device first tries the silo it was on, as a load balancer may still route to one gone or leaving: one
            // refused attempt per connection lost. Only one silo is down at a time, so the next attempt succeeds.
            Assert.InRange(d.ConnectFailures.Count, 0, d.Goodbyes.Count);
        });
    }

    internal static string Describe(ClusterDevice d) =>
        $"{d.Id} on :{d.Port}: {d.Acknowledged} acknowledged, {d.Refusals} refused, {d.Errors.Count} error replies, {d.Timeouts} timeouts, " +
        $"publishes threw [{string.Join(", ", d.PublishExceptions)}], connects failed [{string.Join(", ", d.ConnectFailures)}], goodbyes [{string.Join("; ", d.Goodbyes)}]";

    private Task AssertNothingAcknowledgedWasLostAsync(ClusterFleet fleet, SiloNode reader) => fleet.AssertNothingAcknowledgedWasLostAsync(reader, _cluster.Data.FullName);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterGroup
{
    public const string Name = "three-silo cluster";
}
