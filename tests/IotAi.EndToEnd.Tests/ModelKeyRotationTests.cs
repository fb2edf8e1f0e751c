using System.Globalization;
using System.Net.Http.Json;
using IotAi.Gateway.Http;
using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// A signing key rotation as docs/operations.md tells it, between a real silo and a real edge agent that keeps
/// running throughout: the device trusts only the current key, the silo restarts trusting the next key too, the
/// device rolls to the new key set, and then runs a model signed by the next key.
/// </summary>
public sealed class ModelKeyRotationTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-rotation-");

    [Fact]
    public async Task A_device_rolls_to_the_next_key_and_runs_a_model_it_signed_without_a_restart()
    {
        using var current = ModelSigner.Generate();
        using var next = ModelSigner.Generate();
        var silo = _root.CreateSubdirectory("silo").FullName;
        var mqttPort = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["Models:Signing:PrivateKeyFile"] = Write("current.pem", current.ExportPrivateKeyPem()),
            ["Mqtt:Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
        };
        var deviceId = $"rotation-{Guid.NewGuid():N}";
        var agentSettings = new Dictionary<string, string?>
        {
            ["ReconnectDelay"] = "00:00:00.100",
            ["MaxReconnectDelay"] = "00:00:00.500",
            // The silo is away for a moment; the agent must not give up on it meanwhile.
            ["CircuitBreakAfter"] = "1000",
        };

        var first = await GatewayHost.StartAsync(silo, settings);
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(
            deviceId, mqttPort, _root.CreateSubdirectory("edge").FullName, agentSettings, Write("current.pub.pem", current.ExportPublicKeyPem())));
        try
        {
            await Eventually.TrueAsync(async () => await HeldAsync(first, deviceId) == "1", "the device did not take the first key set", seconds: 30);
        }
        finally
        {
            await first.DisposeAsync();
        }

        // Step one: the next key is trusted beside the current one, which still signs; the silo restarts.
        settings["Models:Signing:TrustedKeyFiles:0"] = Write("next.pub.pem", next.ExportPublicKeyPem());
        await using var second = await GatewayHost.StartAsync(silo, settings);
        await Eventually.TrueAsync(async () => await HeldAsync(second, deviceId) == "2", "the device did not roll to the set with the next key", seconds: 30);

        // Step two: models signed by the next key reach the device, which has not restarted.
        var registry = second.Services.GetRequiredService<ModelRegistry>();
        var shipped = registry.Find("sensor-anomaly", "1")!;
        registry.Import(ModelPackage.Create(shipped.Manifest with { Version = "2" }, await File.ReadAllBytesAsync(shipped.BlobPath), next));
        var grain = second.Grains.GetGrain<IDeviceGrain>(deviceId);
        await grain.OfferModelAsync("sensor-anomaly", "2");
        await Eventually.TrueAsync(
            async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("sensor-anomaly")?.State is ModelUpdateStates.Active or ModelUpdateStates.Failed,
            "the model update did not finish in time",
            seconds: 30);

        Assert.Equal(ModelUpdateStates.Active, (await grain.GetTwinAsync()).ModelUpdates["sensor-anomaly"].State);
        Assert.Equal("2", agent.Models.Active("sensor-anomaly")!.Manifest.Version);
        var keys = await second.Http.GetFromJsonAsync<ModelKeySetView>("/api/models/keys");
        Assert.NotNull(keys);
        Assert.Equal((2L, current.KeyId), (keys.Version, keys.SignedBy));
        Assert.Equal(new[] { current.KeyId, next.KeyId }.Order(StringComparer.Ordinal), keys.KeyIds);
        Assert.Contains(deviceId, keys.Devices["2"]);
    }

    private static async Task<string?> HeldAsync(GatewayHost silo, string deviceId) =>
        (await silo.Grains.GetGrain<IDeviceGrain>(deviceId).GetTwinAsync()).Reported.GetValueOrDefault(ReportedProperties.KeySetVersion);

    private string Write(string name, string pem)
    {
        var path = Path.Combine(_root.FullName, name);
        File.WriteAllText(path, pem);
        return path;
    }

    public void Dispose() => _root.Delete(recursive: true);
}
