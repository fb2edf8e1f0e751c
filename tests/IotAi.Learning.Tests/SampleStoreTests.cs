using System.Text;
using IotAi.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Learning.Tests;

/// <summary>Kept samples on disk: what capture keeps within its quotas, and how labels accumulate with their source.</summary>
public sealed class SampleStoreTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-samples-");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero));

    private SampleCapture Capture(CaptureOptions options) =>
        new(Options.Create(new CaptureSettings { Default = options }), new FileSampleStore(_data.FullName), new ConfidenceDrift(), new LearningMetrics(new PlainMeters()), _clock);

    private static AnsweredSample Answered(string device, long seq, float confidence, EdgeAnswer? edge = null) =>
        new(device, seq, "sensor-anomaly", "2", PayloadKind.Telemetry, "normal", [confidence, 1 - confidence], edge, ContentTypes.Json);

    private static byte[] Reading(long seq) => Encoding.UTF8.GetBytes($$$"""{"seq":{{{seq}}},"values":{"temperature":45}}""");

    [Fact]
    public void A_kept_sample_has_its_lineage_and_its_bytes_and_a_new_store_finds_it()
    {
        var capture = Capture(new CaptureOptions { RandomFraction = 0 });
        var edge = new EdgeAnswer("sensor-anomaly", "1", "anomaly", 0.7f);

        var kept = capture.Consider(Answered("pump-7", 42, 0.55f, edge), Reading(42))!;
        var ignored = capture.Consider(Answered("pump-7", 43, 0.99f), Reading(43));

        Assert.Null(ignored);
        Assert.Equal(("pump-7.42", CaptureReasons.HardExample | CaptureReasons.Disagreement), (kept.Id, kept.Reasons));
        var reopened = new FileSampleStore(_data.FullName);
        var found = reopened.Find("pump-7.42")!;
        Assert.Equal(("pump-7", 42L, "sensor-anomaly", "2", "normal", 0.55f), (found.DeviceId, found.Seq, found.Model, found.Version, found.Prediction, found.Confidence));
        Assert.Equal(edge, found.Edge);
        Assert.Equal(_clock.GetUtcNow(), found.CapturedAt);
        Assert.Equal(Reading(42), reopened.Payload(found));
    }

    [Fact]
    public void Labels_accumulate_with_their_source_and_the_latest_counts()
    {
        var capture = Capture(new CaptureOptions { RandomFraction = 0 });
        capture.Consider(Answered("d1", 1, 0.5f), Reading(1));
        capture.Consider(Answered("d1", 2, 0.5f), Reading(2));
        var store = capture.Store;

        store.Label("d1.1", new SampleLabel("anomaly", LabelSources.Device, _clock.GetUtcNow()));
        var relabelled = store.Label("d1.1", new SampleLabel("normal", LabelSources.Operator, _clock.GetUtcNow()));

        Assert.Equal("normal", relabelled.Label);
        Assert.Equal([LabelSources.Device, LabelSources.Operator], store.Find("d1.1")!.Labels.Select(l => l.Source));
        Assert.Equal(["d1.2"], store.List("sensor-anomaly", labelled: false).Select(s => s.Id));
        Assert.Equal(["d1.1"], store.List("sensor-anomaly", labelled: true).Select(s => s.Id));
        Assert.Throws<KeyNotFoundException>(() => store.Label("d1.9", new SampleLabel("normal", LabelSources.Operator, _clock.GetUtcNow())));
    }

    [Fact]
    public void Hourly_quotas_per_device_and_per_model_bound_what_is_kept()
    {
        var capture = Capture(new CaptureOptions { RandomFraction = 0, PerDevicePerHour = 2, PerModelPerHour = 3 });

        var keptPerDevice = Enumerable.Range(1, 5).Count(seq => capture.Consider(Answered("a", seq, 0.5f), Reading(seq)) is not null);
        var keptOthers = Enumerable.Range(1, 5).Count(seq => capture.Consider(Answered($"b{seq}", seq, 0.5f), Reading(seq)) is not null);
        _clock.Advance(TimeSpan.FromHours(1));
        var nextHour = capture.Consider(Answered("a", 99, 0.5f), Reading(99));

        Assert.Equal((2, 1), (keptPerDevice, keptOthers));
        Assert.NotNull(nextHour);
    }

    public void Dispose() => _data.Delete(recursive: true);

    /// <summary>Meters made as they are asked for, with no host around them.</summary>
    private sealed class PlainMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
