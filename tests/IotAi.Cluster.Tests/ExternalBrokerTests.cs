using System.Globalization;
using IotAi.Cluster.Tests.Servers;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests;

/// <summary>
/// External broker mode: devices connect to the user's own Mosquitto, and two silos attach to it as MQTT 5 clients,
/// sharing the uplinks through <c>$share/iotai/devices/+/up/#</c>. A silo killed mid-stream loses no reading Mosquitto
/// acknowledged: what it was sent and had not acknowledged waits in its session, and it finishes that when it comes back.
/// A silo stopped as Kubernetes stops a pod hands its share over and loses nothing either.
/// </summary>
[Collection(ClusterGroup.Name)]
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private const int Devices = 8;

    /// <summary>
    /// Ten readings a second a device. Mosquitto takes readings as fast as they come, so whatever a stopped silo's
    /// share holds reaches the twins late and out of order; the twin keeps up to 1,024 runs of numbers it has not seen
    /// (docs/protocol.md, *Sequence numbers*), which at this pace covers minutes of a silo away.
    /// </summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);
    private MosquittoServer _mosquitto = null!;
    private SiloCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _mosquitto = await MosquittoServer.StartAsync();
        _cluster = await SiloCluster.StartAsync(2, i =>
        [
            "--Mqtt:External:Host=127.0.0.1",
            string.Create(CultureInfo.InvariantCulture, $"--Mqtt:External:Port={_mosquitto.Port}"),
            $"--Mqtt:External:ClientId=iotai-silo-{i}",
        ]);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _mosquitto.DisposeAsync();
    }

    [Fact]
    public async Task Two_silos_share_the_uplinks_and_neither_a_kill_nor_a_stop_mid_stream_loses_an_acknowledged_reading()
    {
        await using var fleet = await ClusterFleet.StartAsync([_mosquitto.Port], $"ext-{Guid.NewGuid():N}"[..12], Devices, Pace);
        await fleet.WaitForProgressAsync(5, "the fleet did not get going", seconds: 60);
        // Both silos answer: each took part of the uplinks (the answers come back through Mosquitto).
        await Eventually.TrueAsync(async () => (await UplinksAsync(0)) > 0 && (await UplinksAsync(1)) > 0, "the two silos did not share the uplinks", 60);

        await _cluster.Silos[1].KillAsync();
        await fleet.WaitForProgressAsync(10, "the fleet did not carry on while a silo was down", seconds: 120);
        await _cluster.StartAsync(1);
        await fleet.WaitForProgressAsync(10, "the fleet did not carry on after the silo came back", seconds: 120);

        // The other silo stopped as Kubernetes stops a pod: it leaves the shared subscription, finishes what its session
        // holds and ends the session, so the one left takes every reading from then on.
        await _cluster.Silos[0].StopAsync();
        await fleet.WaitForProgressAsync(10, "the fleet did not carry on after a silo stopped", seconds: 120);
        await fleet.StopSendingAsync();

        await WorkedOffAsync(fleet, _cluster.Silos[1]);

        await fleet.AssertNothingAcknowledgedWasLostAsync(_cluster.Silos[1], _cluster.Data.FullName);
        // The silo that came back took up its share again, what its session held first.
        Assert.True(await UplinksAsync(1) > 0, "the restarted silo took no uplinks");
        Assert.All(fleet.Devices, static d => Assert.Equal((0, 0), (d.Refusals, d.Errors.Count)));
    }

    /// <remarks>
    /// A silo that never comes back under its client id (a Deployment's pod comes back under a new name) leaves its share
    /// in its session at the broker: the silo that remains takes that session over once the cluster has given the other
    /// up, and works it off.
    /// </remarks>
    [Fact]
    public async Task The_share_a_killed_silo_that_never_returns_left_at_the_broker_is_worked_off_by_the_other()
    {
        await using var fleet = await ClusterFleet.StartAsync([_mosquitto.Port], $"gone-{Guid.NewGuid():N}"[..13], Devices, Pace);
        await fleet.WaitForProgressAsync(5, "the fleet did not get going", seconds: 60);
        await Eventually.TrueAsync(async () => (await UplinksAsync(0)) > 0 && (await UplinksAsync(1)) > 0, "the two silos did not share the uplinks", 60);

        await _cluster.Silos[1].KillAsync();
        await fleet.WaitForProgressAsync(10, "the fleet did not carry on while a silo was down", seconds: 120);
        await fleet.StopSendingAsync();

        await WorkedOffAsync(fleet, _cluster.Silos[0]);
        await fleet.AssertNothingAcknowledgedWasLostAsync(_cluster.Silos[0], _cluster.Data.FullName);
        Assert.Contains("Taking over the session iotai-silo-1", await File.ReadAllTextAsync(_cluster.Silos[0].Log), StringComparison.Ordinal);
    }

    /// <summary>
    /// Mosquitto acknowledges a reading as it takes it, before a silo has: waits until the silos have worked off what it
    /// queued for them, every device's twin counting as many readings as it had acknowledged.
    /// </summary>
    private async Task WorkedOffAsync(ClusterFleet fleet, SiloNode reader)
    {
        using var api = reader.Api(_cluster.Data.FullName);
        await Eventually.TrueAsync(async () => (await ClusterFleet.TwinsAsync(api, fleet.Devices)).Twins.All(t => t.Value.Counters.Telemetry >= fleet.Devices.Single(d => d.Id == t.Key).Acknowledged),
            "the silos did not work off what Mosquitto queued for them", 180);
    }

    /// <summary>How many device uplinks a silo has taken since it started, from its own metrics.</summary>
    private async Task<double> UplinksAsync(int silo)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_cluster.Silos[silo].HttpPort}/metrics")));
        return text.Split('\n')
            .Where(static l => l.StartsWith("iotai_mqtt_messages_in", StringComparison.Ordinal))
            .Sum(static l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
