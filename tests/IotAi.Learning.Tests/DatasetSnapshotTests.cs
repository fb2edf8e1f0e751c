using IotAi.Protocol;

namespace IotAi.Learning.Tests;

public sealed class DatasetSnapshotTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-datasets-");

    private static CapturedSample Sample(int n, string? label) => new($"dev.{n}", "dev", n, "m", "1", PayloadKind.Telemetry, Now.AddMinutes(n), "normal", 0.5f, null,
        CaptureReasons.HardExample, ContentTypes.Json, label is null ? [] : [new SampleLabel(label, LabelSources.Operator, Now)]);

    [Fact]
    public void Only_labelled_samples_go_in_each_with_its_label_then()
    {
        var snapshot = DatasetSnapshot.Take("m", [Sample(1, "anomaly"), Sample(2, null), Sample(3, "normal")], 0.2, Now);

        Assert.Equal([("dev.1", "anomaly"), ("dev.3", "normal")], snapshot.Samples.Select(s => (s.Id, s.Label)));
        Assert.StartsWith("20261129120000-", snapshot.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sample_keeps_its_side_of_the_split_in_every_snapshot_and_the_holdout_takes_its_share_of_old_and_recent_alike()
    {
        var all = Enumerable.Range(1, 4000).Select(n => Sample(n, "normal")).ToList();

        var first = DatasetSnapshot.Take("m", all.Take(2000), 0.2, Now);
        var later = DatasetSnapshot.Take("m", all, 0.2, Now.AddHours(1));

        var sides = later.Samples.ToDictionary(s => s.Id, s => s.Holdout);
        Assert.All(first.Samples, s => Assert.Equal(s.Holdout, sides[s.Id]));
        Assert.InRange(first.Holdout.Count(), 340, 460);
        Assert.InRange(later.Samples.Count(s => s.Holdout && int.Parse(s.Id[4..], System.Globalization.CultureInfo.InvariantCulture) > 2000), 340, 460);
    }

    [Fact]
    public void A_snapshot_is_written_once_and_read_back_whole()
    {
        var store = new DatasetStore(_data.FullName);
        var snapshot = DatasetSnapshot.Take("m", [Sample(1, "anomaly"), Sample(2, "normal")], 0.5, Now);

        store.Save(snapshot);
        var path = Path.Combine(_data.FullName, "m", snapshot.Id + ".json");
        var written = File.GetLastWriteTimeUtc(path);
        store.Save(snapshot with { CreatedAt = Now.AddDays(1) });

        var read = store.Find("m", snapshot.Id)!;
        Assert.Equal(snapshot.Samples, read.Samples);
        Assert.Equal((Now, written), (read.CreatedAt, File.GetLastWriteTimeUtc(path)));
    }

    [Fact]
    public void Evaluation_samples_are_on_neither_side_and_only_the_newest_of_them_are_the_evaluation_set()
    {
        var kept = Enumerable.Range(1, 1000).Select(n => Sample(n, "normal")).ToList();
        var evaluation = Enumerable.Range(1001, 300).Select(n => Sample(n, "normal") with { Reasons = CaptureReasons.Evaluation | CaptureReasons.HardExample }).ToList();

        var snapshot = DatasetSnapshot.Take("m", [.. kept, .. evaluation], 0.2, Now, evaluationWindow: 100);

        Assert.Equal(evaluation.TakeLast(100).Select(s => s.Id).Order(StringComparer.Ordinal), snapshot.Evaluation.Select(s => s.Id));
        Assert.Equal(kept.Select(s => s.Id).Order(StringComparer.Ordinal), snapshot.Train.Concat(snapshot.Holdout).Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_same_samples_split_otherwise_get_another_id()
    {
        List<CapturedSample> samples = [Sample(1, "anomaly"), Sample(2, "normal")];

        var split = DatasetSnapshot.Take("m", samples, 0.5, Now);
        var evaluated = DatasetSnapshot.Take("m", [samples[0], samples[1] with { Reasons = CaptureReasons.Evaluation }], 0.5, Now);

        Assert.NotEqual(split.Id, evaluated.Id);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
