using IotAi.Gateway.Learning;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace IotAi.Gateway.Learning.Tests;

/// <summary>
/// The silo retrains by itself once enough new labels have come in, but only when the model answers measurably worse
/// than it has: here the device's readings, sent with their truth over MQTT, are first answered well, then, once the
/// machine's baseline moved, badly.
/// </summary>
public sealed class TrainingTriggerTests : IDisposable
{
    private const string Model = "sensor-anomaly";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-trigger-");

    [Fact]
    public async Task New_labels_start_a_run_once_live_accuracy_is_measurably_worse_and_it_registers_the_better_model()
    {
        await using var silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Learning:Training:CheckInterval"] = "00:00:00.200",
            ["Learning:Training:AfterNewLabels"] = "400",
            ["Learning:Training:AccuracyWindow"] = "60",
            // Only the new-labels trigger, so the run it starts is its own.
            ["Learning:Training:AccuracyDrop"] = "",
            ["Learning:Training:DriftPsi"] = "",
        });
        var registry = silo.Services.GetRequiredService<ModelRegistry>();
        var store = silo.Services.GetRequiredService<FileSampleStore>();
        var accuracy = silo.Services.GetRequiredService<LiveAccuracy>();
        await using var device = await TestDevice.ConnectAsync(silo.MqttPort, "plant-9-line");

        // The machine as the shipped model knows it: answered well; this is the model's best.
        var seq = 0L;
        foreach (var reading in LabelledReadings.Of(60, drift: 0, seed: 30, DateTimeOffset.UtcNow))
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync(DeviceTopics.Telemetry(device.Id), LabelledReadings.Payload(reading, ++seq, truth: true))).ReasonCode);
        }

        Assert.InRange(accuracy.Shift(Model, "1")!.Now.Accuracy, 0.9, 1.0);

        // Plenty of new labels from the drifted world, kept as capture keeps them: hard examples and a share for evaluation.
        LabelledReadings.Keep(store, Model, "plant-9", 600, drift: 12, seed: 29, DateTimeOffset.UtcNow);
        LabelledReadings.Keep(store, Model, "plant-10", 200, drift: 12, seed: 31, DateTimeOffset.UtcNow, reasons: CaptureReasons.Evaluation);

        // Then the machine drifts, and the model's answers to it go wrong.
        foreach (var reading in LabelledReadings.Of(60, drift: 12, seed: 32, DateTimeOffset.UtcNow))
        {
            await device.PublishAsync(DeviceTopics.Telemetry(device.Id), LabelledReadings.Payload(reading, ++seq, truth: true));
        }

        await Eventually.TrueAsync(() => Task.FromResult(registry.TryFind(Model, "2") is not null), "no run started by itself, or it registered nothing", seconds: 120);
        Assert.Equal("1", registry.Find(Model, "2")!.Manifest.Lineage!.ParentVersion);
        var run = Assert.Single(silo.Services.GetRequiredService<TrainingTriggers>().Started);
        Assert.Matches(@"^\d+ new labelled samples, and v1 answers \d+\.\d % of recent traffic right against \d+\.\d % at best \(v1\)$", run.Reason);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
