using IotAi.Client;
using System.Net.Http.Json;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests;

/// <summary>Devices spread over three silos are answered where they are, and reached from any silo.</summary>
[Collection(ClusterGroup.Name)]
public sealed class SpreadTests : IAsyncLifetime
{
    private SiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SiloCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_device_on_any_silo_is_answered_there_and_a_change_made_through_another_silo_reaches_it()
    {
        await using var fleet = await ClusterFleet.StartAsync(_cluster, $"spread-{Guid.NewGuid():N}"[..15], 6);
        await fleet.WaitForProgressAsync(3, "the devices were not answered", seconds: 60);
        await fleet.StopSendingAsync();
        Assert.Equal(_cluster.MqttPorts.Order(), fleet.Devices.Select(static d => d.Port).Distinct().Order());

        for (var i = 0; i < fleet.Devices.Count; i++)
        {
            var device = fleet.Devices[i];
            // Through a silo the device is not connected to: the twin's grain pushes through the silo that holds the connection.
            var other = _cluster.Silos.First(s => s.MqttPort != device.Port);
            using var api = new IotAiClient(other.Api(_cluster.Data.FullName));
            await api.SetDesiredAsync(device.Id, new Dictionary<string, string> { ["sensorIntervalMs"] = "2000" });
        }

        await Eventually.TrueAsync(() => Task.FromResult(fleet.Devices.All(static d => d.Desired.Any(static p => p.Contains("2000", StringComparison.Ordinal)))),
            "a desired change made through another silo did not reach every device", seconds: 30);
        await Eventually.TrueAsync(() => Task.FromResult(fleet.Devices.All(static d => d.Results.ContainsKey(d.Acknowledged))),
            "the devices' last readings were not all answered on their own silos", seconds: 30);
    }
}
