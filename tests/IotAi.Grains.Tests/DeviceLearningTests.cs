using System.Text;
using IotAi.Learning;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Grains.Tests;

/// <summary>The device grain keeps samples worth learning from, and the device can label them later.</summary>
[Collection(ClusterGroup.Name)]
public sealed class DeviceLearningTests(ClusterFixture fixture)
{
    private const string LabelTopic = "devices/x/up/label";

    private FileSampleStore Store => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<FileSampleStore>();

    private static Uplink Reading(long seq, double temperature, string extra = "") => new(PayloadKind.Telemetry,
        Encoding.UTF8.GetBytes($$$"""{"seq":{{{seq}}},"values":{"temperature":{{{temperature}}},"vibration":0.3,"current":10}{{{extra}}}}"""), null, "devices/x/up/telemetry");

    private static byte[] Truth(long seq, string label) => Encoding.UTF8.GetBytes($$$"""{"seq":{{{seq}}},"label":"{{{label}}}"}""");

    [Fact]
    public async Task An_anomaly_and_a_disagreement_are_kept_with_their_lineage_and_an_ordinary_reading_is_not()
    {
        var id = $"learn-{Guid.NewGuid():N}"[..20];
        var device = fixture.Grains.GetGrain<IDeviceGrain>(id);

        await device.HandleUplinkAsync(Reading(1, 45));
        await device.HandleUplinkAsync(Reading(2, 85));
        await device.HandleUplinkAsync(Reading(3, 45, ""","edge":{"model":"sensor-anomaly","version":"0","label":"anomaly","confidence":0.7}"""));

        Assert.Null(Store.Find(CapturedSample.IdFor(id, 1)));
        var anomaly = Store.Find(CapturedSample.IdFor(id, 2))!;
        Assert.Equal((id, "sensor-anomaly", "1", "anomaly", CaptureReasons.Anomaly), (anomaly.DeviceId, anomaly.Model, anomaly.Version, anomaly.Prediction, anomaly.Reasons));
        Assert.Contains("\"temperature\":85", Encoding.UTF8.GetString(Store.Payload(anomaly)), StringComparison.Ordinal);
        var disagreement = Store.Find(CapturedSample.IdFor(id, 3))!;
        Assert.Equal(("normal", "anomaly"), (disagreement.Prediction, disagreement.Edge!.Label));
        Assert.True(disagreement.Reasons.HasFlag(CaptureReasons.Disagreement));
    }

    [Fact]
    public async Task The_device_labels_a_kept_sample_and_is_told_when_it_cannot()
    {
        var id = $"label-{Guid.NewGuid():N}"[..20];
        var device = fixture.Grains.GetGrain<IDeviceGrain>(id);
        await device.HandleUplinkAsync(Reading(7, 85));
        await device.HandleUplinkAsync(Reading(8, 45));

        var labelled = await device.ReportLabelAsync(Truth(7, "normal"), LabelTopic);
        var notKept = await device.ReportLabelAsync(Truth(8, "normal"), LabelTopic);
        var unknownLabel = await device.ReportLabelAsync(Truth(7, "on fire"), LabelTopic);

        Assert.Equal(UplinkOutcome.Accepted, labelled.Outcome);
        var sample = Store.Find(CapturedSample.IdFor(id, 7))!;
        Assert.Equal(("normal", LabelSources.Device), (sample.Label, sample.Labels.Single().Source));
        Assert.Equal(UplinkOutcome.PayloadInvalid, notKept.Outcome);
        Assert.Contains("was not kept", Encoding.UTF8.GetString(notKept.Reply!.Payload), StringComparison.Ordinal);
        Assert.Contains("not a label of sensor-anomaly", Encoding.UTF8.GetString(unknownLabel.Reply!.Payload), StringComparison.Ordinal);
    }
}
