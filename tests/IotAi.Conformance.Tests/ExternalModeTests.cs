using System.Globalization;
using IotAi.Bench;
using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Conformance.Tests;

/// <summary>
/// External broker mode with a real edge agent: the agent connects to Mosquitto, the silo attaches to the same
/// Mosquitto, and the agent's readings, its twin and a model update all go through it as they do through a silo.
/// </summary>
public sealed class ExternalModeTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-external-");
    private MosquittoProcess _mosquitto = null!;
    private GatewayHost _silo = null!;

    public async Task InitializeAsync()
    {
        _mosquitto = await MosquittoProcess.StartRequiredAsync(CancellationToken.None);
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Mqtt:External:Host"] = "127.0.0.1",
            ["Mqtt:External:Port"] = _mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["Mqtt:External:ClientId"] = $"iotai-{Guid.NewGuid():N}",
        });
    }

    [Fact]
    public async Task An_agent_on_the_users_broker_is_answered_keeps_its_twin_and_takes_a_model_update()
    {
        var deviceId = $"ext-agent-{Guid.NewGuid():N}"[..24];
        var key = Path.Combine(_data.FullName, "silo.pub.pem");
        await File.WriteAllTextAsync(key, _silo.Services.GetRequiredService<ModelKeyring>().Signer.ExportPublicKeyPem());
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(deviceId, _mosquitto.Port, Path.Combine(_data.FullName, "edge"),
            new Dictionary<string, string?> { ["SensorInterval"] = "00:00:00.2" }, key));
        var grain = _silo.Grains.GetGrain<IDeviceGrain>(deviceId);

        // Readings reach the grain through Mosquitto, each counted once.
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Counters.Telemetry >= 5, "the agent's readings did not reach its grain", 60);

        // The twin both ways: desired properties go down through Mosquitto, and the agent reports it took them.
        await grain.SetDesiredAsync(new Dictionary<string, string> { ["firmwareChannel"] = "beta" });
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Reported.GetValueOrDefault("desiredVersion") == "1", "the agent did not report the desired properties", 60);

        // A model update: the offer, the chunks the agent fetches and its status reports, all through Mosquitto.
        await grain.OfferModelAsync("sensor-anomaly", "1");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("sensor-anomaly")?.State == ModelUpdateStates.Active, "the model update did not finish", 60);
        Assert.Equal("1", agent.Models.Active("sensor-anomaly")!.Manifest.Version);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _mosquitto.DisposeAsync();
        _data.Delete(recursive: true);
    }
}
