using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Grains.Tests;

/// <summary>The device grain keeps what the device reports of its models' answers, for rollouts to judge by.</summary>
[Collection(ClusterGroup.Name)]
public sealed class DeviceQualityTests(ClusterFixture fixture)
{
    private const string Topic = "devices/x/up/model/quality";

    private IDeviceGrain Device() => fixture.Grains.GetGrain<IDeviceGrain>($"quality-test-{Guid.NewGuid():N}");

    private static byte[] Report(string version, long samples, long hard = 0)
    {
        var bins = new long[ModelQualityReport.Bins];
        bins[^1] = samples;
        return JsonSerializer.SerializeToUtf8Bytes(new ModelQualityReport("sensor-anomaly", version, samples, hard, 0, 0, bins), ProtocolJson.Wire.ModelQualityReport);
    }

    [Fact]
    public async Task The_latest_report_of_each_of_the_last_three_versions_is_kept()
    {
        var device = Device();

        foreach (var (version, samples) in new[] { ("1", 10L), ("2", 5L), ("1", 40L), ("3", 7L), ("4", 9L) })
        {
            Assert.Equal(UplinkOutcome.Accepted, (await device.ReportModelQualityAsync(Report(version, samples), Topic)).Outcome);
        }

        var kept = await device.GetModelQualityAsync("sensor-anomaly");
        Assert.Equal(["1", "3", "4"], kept.Select(v => v.Version));
        Assert.Equal(40, kept[0].Stats.Samples);
        Assert.Empty(await device.GetModelQualityAsync("shape-classifier"));
        Assert.Equal(3, (await device.GetTwinAsync()).Quality["sensor-anomaly"].Count);
    }

    [Theory]
    [InlineData("""{"name":"sensor-anomaly","version":"1","samples":3,"hard":0,"labeled":0,"correct":0,"confidence":[3]}""", "20 non-negative counts")]
    [InlineData("""{"name":"sensor-anomaly","version":"1",""", "invalid JSON")]
    [InlineData("null", "empty")]
    public async Task A_report_that_cannot_be_true_is_refused_and_nothing_is_kept(string payload, string reason)
    {
        var device = Device();

        var reply = await device.ReportModelQualityAsync(System.Text.Encoding.UTF8.GetBytes(payload), Topic);

        Assert.Equal(UplinkOutcome.PayloadInvalid, reply.Outcome);
        var error = JsonSerializer.Deserialize(reply.Reply!.Payload, ProtocolJson.Default.ErrorReply)!;
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Empty(await device.GetModelQualityAsync("sensor-anomaly"));
    }
}
