using System.Text.Json;
using IotAi.Edge.Models;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Edge.Tests;

/// <summary>The agent answers every sample with its own model, and tells the cloud how that model does.</summary>
public sealed class LocalInferenceTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-edge-local-");
    private readonly ModelSigner _signer = ModelSigner.Generate();

    [Fact]
    public async Task Every_sample_is_answered_locally_and_the_figures_reach_the_cloud()
    {
        var (package, key) = await ShippedSensorModel.SignAsync(_signer, _data.FullName);
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("local");
        await using var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.005",
            ["QualityReportInterval"] = "00:00:00.100",
        });
        var store = agent.Services.GetRequiredService<EdgeModelStore>();
        store.Save(package);
        store.SetCurrent(package.Manifest.Name, package.Manifest.Version);

        await agent.StartAsync();
        var publish = await broker.WaitForAsync(p => p.Topic == DeviceTopics.ModelQuality(deviceId) && Read(p).Samples >= 200, TimeSpan.FromSeconds(60));

        var report = Read(publish);
        Assert.Null(report.Validate());
        Assert.Equal(("sensor-anomaly", "1"), (report.Name, report.Version));
        // The simulated sensor knows its truth, so every answer is scored; the shipped model gets nearly all right.
        Assert.Equal(report.Samples, report.Labeled);
        Assert.InRange((double)report.Correct / report.Labeled, 0.95, 1.0);
        var lowBins = (int)(0.6 * ModelQualityReport.Bins);
        Assert.Equal(report.Confidence.Take(lowBins).Sum(), report.Hard);
        // Samples still go to the cloud: local answers come on top, not instead.
        Assert.Contains(broker.PublishedBy(deviceId), p => p.Topic == DeviceTopics.Telemetry(deviceId));
    }

    private static ModelQualityReport Read(RecordedPublish publish) =>
        JsonSerializer.Deserialize(publish.Payload, ProtocolJson.Wire.ModelQualityReport)!;

    public void Dispose() => _data.Delete(recursive: true);
}
