using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IotAi.Grains.Hosting;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.EndToEnd.Tests;

/// <summary>A model made elsewhere, imported from plain ONNX, serves devices over MQTT and clients over OIP alike.</summary>
public sealed class ForeignModelTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-foreign-");

    [Fact]
    public async Task A_foreign_model_with_its_own_input_name_answers_over_mqtt_and_over_oip()
    {
        var (onnx, makersAnswer) = ForeignSensorModel.Train();
        var gateway = new GatewayOptions { DataDirectory = _data.FullName };
        using (var keys = ModelKeyring.Load(new ModelSigningOptions(), gateway.KeysDirectory))
        {
            var registry = new ModelRegistry(gateway.ModelsDirectory, keys.Trusted);
            ShippedModels.Install(registry, keys.Signer);
            ModelImporter.Import(onnx, new OnnxImport
            {
                Name = "vendor-anomaly",
                Version = "3",
                Kind = PayloadKind.Telemetry,
                Labels = ["ok", "fault"],
                Features = ForeignSensorModel.FeatureOrder,
            }, keys.Signer, registry);
        }

        await using var silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?> { ["Models:Routes:Telemetry"] = "vendor-anomaly" });
        await using var device = await TestDevice.ConnectAsync(silo.MqttPort);

        await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Encoding.UTF8.GetBytes("""{"seq":1,"values":{"temperature":90,"vibration":0.3,"current":10}}"""));
        var overMqtt = await device.NextResultAsync();
        var response = await silo.Http.PostAsJsonAsync("/v2/models/vendor-anomaly/infer", new
        {
            inputs = new[] { new { name = "sensor_values", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { 10f, 90f, 0.3f } } },
            outputs = new[] { new { name = "Probability.output" } },
        });
        var overOip = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();
        var makers = makersAnswer([[10f, 90f, 0.3f]])[0];

        Assert.Equal(("vendor-anomaly", "3", "fault"), (overMqtt.Model, overMqtt.Version, overMqtt.Label));
        Assert.Equal(makers, overMqtt.Scores["fault"], 5);
        Assert.Equal(makers, overOip, 5);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
