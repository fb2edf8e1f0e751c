using System.Text.Json;
using IotAi.Edge.Twin;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Tests;

/// <summary>The agent's twin: desired settings take effect while it runs, and it reports its state.</summary>
public sealed class TwinTests
{
    [Fact]
    public async Task A_desired_sampling_rate_takes_effect_without_a_restart_and_the_agent_reports_it()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("twin");
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "01:00:00",
        });
        // One reading at start, then nothing for an hour; and a first report on connect. A fresh agent's first
        // reading is its first trip through the queue and the publisher, which a busy machine may hold up a while.
        await broker.WaitForAsync(p => p.Topic == DeviceTopics.Reported(deviceId), TimeSpan.FromSeconds(60));
        await broker.WaitForAsync(p => p.Topic == DeviceTopics.Telemetry(deviceId), TimeSpan.FromSeconds(60));

        var desired = new DesiredProperties(1, new Dictionary<string, string>
        {
            [LiveSettings.SensorIntervalMs] = "10",
            [LiveSettings.ConfidenceThresholdName] = "0.8",
            [LiveSettings.CameraIntervalMs] = "soon",
            ["firmwareChannel"] = "beta",
        });
        await broker.InjectAsync(DeviceTopics.Desired(deviceId), JsonSerializer.SerializeToUtf8Bytes(desired, ProtocolJson.Wire.DesiredProperties));

        await Eventually.TrueAsync(() => Task.FromResult(Readings(broker, deviceId).Count >= 20), "the new sampling rate did not take effect", seconds: 30);
        var report = await broker.WaitForAsync(p => p.Topic == DeviceTopics.Reported(deviceId) && Reported(p).GetValueOrDefault("desiredVersion") == "1");
        var reported = Reported(report);
        Assert.Equal(("10", "0.8"), (reported[LiveSettings.SensorIntervalMs], reported[LiveSettings.ConfidenceThresholdName]));
        Assert.Contains("cameraIntervalMs must be", reported["desiredRefused"], StringComparison.Ordinal);
        Assert.Equal("5000", reported[LiveSettings.CameraIntervalMs]);
        foreach (var name in new[] { "agentVersion", "models", "queueDepth", "queueBytes", "diskBytes", "evictions", "offlineSeconds", "answeredLocally", "escalated" })
        {
            Assert.True(reported.ContainsKey(name), $"the report lacks {name}");
        }

        Assert.True(long.Parse(reported["diskBytes"], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task A_downlink_sent_while_the_agent_was_away_reaches_it_through_its_persistent_session()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("away");
        var data = Directory.CreateTempSubdirectory("iotai-away-");
        try
        {
            var settings = new Dictionary<string, string?> { ["Sources:0"] = "sensor", ["SensorInterval"] = "01:00:00", ["DataDirectory"] = data.FullName };
            await using (var before = await AgentHost.StartAsync(broker.Port, deviceId, settings))
            {
                await broker.WaitForAsync(p => p.Topic == DeviceTopics.Reported(deviceId));
            }

            // The agent has said goodbye; its session, and its subscription, stay with the broker.
            var desired = new DesiredProperties(7, new Dictionary<string, string> { [LiveSettings.SensorIntervalMs] = "1234" });
            await broker.InjectAsync(DeviceTopics.Desired(deviceId), JsonSerializer.SerializeToUtf8Bytes(desired, ProtocolJson.Wire.DesiredProperties));
            await using var after = await AgentHost.StartAsync(broker.Port, deviceId, settings);

            var report = await broker.WaitForAsync(p => p.Topic == DeviceTopics.Reported(deviceId) && Reported(p).GetValueOrDefault("desiredVersion") == "7");
            Assert.Equal("1234", Reported(report)[LiveSettings.SensorIntervalMs]);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public void Only_a_newer_desired_version_is_applied_and_bad_values_leave_the_setting_as_it_was()
    {
        var settings = new LiveSettings(Options.Create(new EdgeAgentOptions { DeviceId = "d", SensorInterval = TimeSpan.FromSeconds(1) }));
        var changes = 0;
        settings.Changed += (_, _) => changes++;

        Assert.True(settings.Apply(new DesiredProperties(2, new Dictionary<string, string> { [LiveSettings.SensorIntervalMs] = "250", [LiveSettings.JointInferenceName] = "ALL" })));
        Assert.False(settings.Apply(new DesiredProperties(1, new Dictionary<string, string> { [LiveSettings.SensorIntervalMs] = "5" })));
        Assert.True(settings.Apply(new DesiredProperties(3, new Dictionary<string, string> { [LiveSettings.ConfidenceThresholdName] = "1.5", [LiveSettings.SensorIntervalMs] = "0" })));

        Assert.Equal((TimeSpan.FromMilliseconds(250), JointInferenceMode.All, 0.6, 3L), (settings.SensorInterval, settings.JointInference, settings.ConfidenceThreshold, settings.DesiredVersion));
        Assert.Equal([LiveSettings.ConfidenceThresholdName, LiveSettings.SensorIntervalMs], settings.Refused.Keys.Order());
        Assert.Equal(2, changes);
    }

    private static IReadOnlyList<RecordedPublish> Readings(TestBroker broker, string deviceId) => broker.UplinksBy(deviceId);

    private static Dictionary<string, string> Reported(RecordedPublish publish) => ReportedProperties.Read(publish.Payload).Properties!;
}
