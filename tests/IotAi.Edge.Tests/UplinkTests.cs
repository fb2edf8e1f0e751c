using System.Globalization;
using IotAi.Protocol;
using MQTTnet.Protocol;

namespace IotAi.Edge.Tests;

public sealed class UplinkTests
{
    [Fact]
    public async Task Sensor_telemetry_goes_to_the_telemetry_topic_with_growing_seq()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("tele");
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.050",
        });

        await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= 3);

        var uplinks = broker.UplinksBy(deviceId).Take(3).ToList();
        Assert.All(uplinks, p =>
        {
            Assert.Equal(DeviceTopics.Telemetry(deviceId), p.Topic);
            Assert.Equal(ContentTypes.Json, p.ContentType);
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, p.QualityOfService);
            var telemetry = AgentHost.ReadTelemetry(p);
            Assert.NotNull(telemetry.Timestamp);
            Assert.Equal(["current", "temperature", "vibration"], telemetry.Values.Keys.Order());
        });
        Assert.Equal([1L, 2L, 3L], uplinks.Select(AgentHost.SeqOf));
    }

    [Fact]
    public async Task Camera_images_carry_their_seq_as_a_user_property()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("cam");
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "camera",
            ["CameraInterval"] = "00:00:00.100",
        });

        await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= 2);

        var images = broker.UplinksBy(deviceId).Take(2).ToList();
        Assert.All(images, p =>
        {
            Assert.Equal(DeviceTopics.Image(deviceId), p.Topic);
            Assert.Equal(ContentTypes.Jpeg, p.ContentType);
            Assert.Equal(ContentTypes.Jpeg, ContentTypes.SniffImage(p.Payload));
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, p.QualityOfService);
            Assert.True(DateTimeOffset.TryParse(p.UserProperties[UserProperties.Timestamp], CultureInfo.InvariantCulture, out _));
        });
        Assert.Equal(["1", "2"], images.Select(p => p.UserProperties[UserProperties.Seq]));
    }

    [Fact]
    public async Task Json_lines_are_numbered_by_the_agent_and_malformed_lines_are_skipped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edge-lines-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"values":{"temperature":40.5,"vibration":0.3,"current":10}}""",
            "this is not json",
            """{"seq":99,"ts":"2026-01-01T00:00:00Z","values":{"temperature":50,"vibration":0.5,"current":12}}""",
            """{"ts":"2026-01-01T00:00:00Z"}""",
            "",
            """{"values":{"temperature":1,"vibration":2,"current":3}}""",
        ]);
        try
        {
            await using var broker = await TestBroker.StartAsync();
            var deviceId = AgentHost.NewDeviceId("lines");
            await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
            {
                ["Sources:0"] = "jsonl",
                ["JsonLinesPath"] = path,
            });

            await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= 3);

            var sent = broker.UplinksBy(deviceId).Select(AgentHost.ReadTelemetry).Take(3).ToList();
            Assert.Equal([1L, 2L, 3L], sent.Select(t => t.Seq));
            Assert.Equal([40.5, 50.0, 1.0], sent.Select(t => t.Values["temperature"]));
            Assert.NotNull(sent[0].Timestamp);
            Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture), sent[1].Timestamp);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
