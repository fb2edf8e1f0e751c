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
    private readonly LiveAccuracy _accuracy = new(windowSize: 10);

    private SampleCapture Capture(CaptureOptions options) =>
        new(Options.Create(new CaptureSettings { Default = options }), new FileSampleStore(_data.FullName), new ConfidenceDrift(), _accuracy, new LearningMetrics(new PlainMeters()), _clock);

    private static AnsweredSample Answered(string device, long seq, float confidence, EdgeAnswer? edge = null) =>
        new(device, seq, "sensor-anomaly", "2", PayloadKind.Telemetry, "normal", [confidence, 1 - confidence], edge, ContentTypes.Json);

    private static byte[] Reading(long seq) => Encoding.UTF8.GetBytes($$$"""{"seq":{{{seq}}},"values":{"temperature":45}}""");

    [Fact]
    public void A_kept_sample_has_its_lineage_and_its_bytes_and_a_new_store_finds_it()
    {
        var capture = Capture(new CaptureOptions { RandomFraction = 0, EvaluationFraction = 0 });
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
        var capture = Capture(new CaptureOptions { RandomFraction = 0, EvaluationFraction = 0 });
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
        var capture = Capture(new CaptureOptions { RandomFraction = 0, EvaluationFraction = 0, PerDevicePerHour = 2, PerModelPerHour = 3 });

        var keptPerDevice = Enumerable.Range(1, 5).Count(seq => capture.Consider(Answered("a", seq, 0.5f), Reading(seq)) is not null);
        var keptOthers = Enumerable.Range(1, 5).Count(seq => capture.Consider(Answered($"b{seq}", seq, 0.5f), Reading(seq)) is not null);
        _clock.Advance(TimeSpan.FromHours(1));
        var nextHour = capture.Consider(Answered("a", 99, 0.5f), Reading(99));

        Assert.Equal((2, 1), (keptPerDevice, keptOthers));
        Assert.NotNull(nextHour);
    }

    [Fact]
    public void Evaluation_samples_have_a_quota_of_their_own_and_past_it_are_kept_only_for_their_other_reasons()
    {
        // Every answer is drawn for evaluation; three fit its quota, and then the ordinary quota of two takes the hard ones.
        var capture = Capture(new CaptureOptions { RandomFraction = 0, EvaluationFraction = 1, EvaluationPerModelPerHour = 3, PerModelPerHour = 2 });

        var kept = Enumerable.Range(1, 7).Select(seq => capture.Consider(Answered($"d{seq}", seq, 0.5f), Reading(seq))?.Reasons).ToList();
        var sure = capture.Consider(Answered("d8", 8, 0.99f), Reading(8));

        Assert.Equal([.. Enumerable.Repeat<CaptureReasons?>(CaptureReasons.HardExample | CaptureReasons.Evaluation, 3), CaptureReasons.HardExample, CaptureReasons.HardExample, null, null], kept);
        Assert.Null(sure);
    }

    [Fact]
    public void The_clouds_answers_with_their_truth_and_evaluation_samples_labelled_later_are_graded_once_for_live_accuracy()
    {
        var capture = Capture(new CaptureOptions { RandomFraction = 0, EvaluationFraction = 1, HardBelow = 0 });

        // Ten cloud answers with their truth, seven right; an edge answer is graded by the edge's own reports, not here.
        for (var seq = 1; seq <= 10; seq++)
        {
            capture.Consider(Answered("graded", seq, 0.9f) with { Truth = seq <= 7 ? "normal" : "anomaly" }, Reading(seq));
        }

        capture.Consider(Answered("edge", 1, 0.9f) with { Scores = [], Edge = new EdgeAnswer("sensor-anomaly", "2", "normal", 0.9f), Truth = "anomaly" }, Reading(1));
        Assert.Equal(new AccuracyWindow(7, 10), _accuracy.All().Single().Reference);

        // Ten evaluation samples kept without truth, labelled later: the first label grades the answer, a relabel does not.
        for (var seq = 1; seq <= 10; seq++)
        {
            capture.Consider(Answered("later", seq, 0.9f), Reading(seq));
            capture.Label($"later.{seq}", new SampleLabel(seq <= 9 ? "normal" : "anomaly", LabelSources.Teacher, _clock.GetUtcNow()));
            capture.Label($"later.{seq}", new SampleLabel("anomaly", LabelSources.Operator, _clock.GetUtcNow()));
        }

        Assert.Equal(new AccuracyWindow(9, 10), _accuracy.All().Single().Last);
    }

    [Fact]
    public async Task Stores_sharing_a_folder_read_each_others_samples_and_labels_and_samples_kept_at_once_share_writes()
    {
        await using var first = new FileSampleStore(_data.FullName);
        await using var second = new FileSampleStore(_data.FullName);

        // Samples queued together are written together; each store writes segments of its own.
        await Task.WhenAll(Enumerable.Range(1, 200).Select(seq => first.SaveAsync(Sample("many", seq), Reading(seq))));
        await second.SaveAsync(Sample("other", 1), Reading(1));
        second.Label("many.7", new SampleLabel("anomaly", LabelSources.Operator, _clock.GetUtcNow()));

        Assert.Equal(2, Directory.GetFiles(Path.Combine(_data.FullName, "sensor-anomaly"), "*.samples").Length);
        Assert.Equal(201, first.List("sensor-anomaly").Count);
        Assert.Equal("anomaly", first.Find("many.7")!.Label);
        Assert.Equal(["many.7"], first.List("sensor-anomaly", labelled: true).Select(static s => s.Id));
        Assert.Equal(Reading(7), first.Payload(first.Find("many.7")!));
        Assert.Equal(Reading(1), second.Payload(second.Find("other.1")!));
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_is_skipped_and_everything_written_before_it_reads_back()
    {
        await using (var crashed = new FileSampleStore(_data.FullName))
        {
            await crashed.SaveAsync(Sample("d", 1), Reading(1));
            await crashed.SaveAsync(Sample("d", 2), Reading(2));
        }

        // The crash cut the second record short, and left bytes of a third that never reached the disk.
        var segment = Directory.GetFiles(Path.Combine(_data.FullName, "sensor-anomaly"), "*.samples").Single();
        var whole = await File.ReadAllBytesAsync(segment);
        await File.WriteAllBytesAsync(segment, [.. whole[..^5], .. new byte[40]]);
        await using var restarted = new FileSampleStore(_data.FullName);
        await restarted.SaveAsync(Sample("d", 3), Reading(3));

        Assert.Equal(["d.1", "d.3"], restarted.List("sensor-anomaly").Select(static s => s.Id).Order());
        Assert.Null(restarted.Find("d.2"));
    }

    [Fact]
    public async Task A_sample_that_cannot_be_written_is_not_counted_as_kept_and_the_next_one_is()
    {
        await using var store = new FileSampleStore(_data.FullName);
        var capture = new SampleCapture(Options.Create(new CaptureSettings { Default = new CaptureOptions { RandomFraction = 1, EvaluationFraction = 0 } }), store,
            new ConfidenceDrift(), _accuracy, new LearningMetrics(new PlainMeters()), _clock);
        // A file where the model's folder should be: its segment cannot be made.
        await File.WriteAllTextAsync(Path.Combine(_data.FullName, "blocked"), "");

        var failed = capture.ConsiderAsync(Answered("d", 1, 0.9f) with { Model = "blocked" }, Reading(1));
        var kept = await capture.ConsiderAsync(Answered("d", 2, 0.9f), Reading(2));

        await Assert.ThrowsAsync<IOException>(() => failed);
        Assert.Equal("d.2", kept!.Id);
        Assert.Equal(["d.2"], store.List("sensor-anomaly").Select(static s => s.Id));
    }

    [Fact]
    public void Samples_kept_as_loose_files_by_an_earlier_store_move_into_segments()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_data.FullName, "sensor-anomaly")).FullName;
        File.WriteAllText(Path.Combine(folder, "old.4.sample.json"), $$"""
            {"id":"old.4","deviceId":"old","seq":4,"model":"sensor-anomaly","version":"1","kind":"Telemetry","capturedAt":"2026-11-01T00:00:00+00:00",
             "prediction":"normal","confidence":0.5,"reasons":"HardExample","contentType":"{{ContentTypes.Json}}","labels":[{"label":"anomaly","source":"operator","at":"2026-11-02T00:00:00+00:00"}]}
            """);
        File.WriteAllBytes(Path.Combine(folder, "old.4.payload.json"), Reading(4));

        using var store = new FileSampleStore(_data.FullName);

        var sample = store.Find("old.4")!;
        Assert.Equal(("anomaly", CaptureReasons.HardExample), (sample.Label, sample.Reasons));
        Assert.Equal(Reading(4), store.Payload(sample));
        Assert.Empty(Directory.GetFiles(folder, "old.4.*"));
    }

    private CapturedSample Sample(string device, long seq) =>
        new(CapturedSample.IdFor(device, seq), device, seq, "sensor-anomaly", "2", PayloadKind.Telemetry, _clock.GetUtcNow(), "normal", 0.5f, null,
            CaptureReasons.HardExample, ContentTypes.Json, []);

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
