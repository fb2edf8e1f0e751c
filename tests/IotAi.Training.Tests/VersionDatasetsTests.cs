using IotAi.Models;

namespace IotAi.Training.Tests;

/// <summary>What a version was trained on and is held to, kept beside it, and made again for the shipped versions.</summary>
public sealed class VersionDatasetsTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-version-data-");

    [Fact]
    public void Rows_come_back_as_they_were_written_with_their_weights_and_too_many_are_sampled_down_evenly()
    {
        var store = new VersionDatasets(_data.FullName);
        List<LabelledRow> rows = [.. Enumerable.Range(0, VersionDatasets.MaxRegressionRows * 2).Select(i => new LabelledRow([i, -i, i * 0.5f], i % 3, i % 2 == 0 ? 1f : 0.25f))];

        store.SaveTraining("m", "2", rows[..10]);
        var kept = store.SaveRegression("m", "2", rows);

        var training = store.Training("m", "2")!;
        Assert.Equal(rows[..10].Select(r => (r.LabelIndex, r.Weight, r.Features[0], r.Features[2])), training.Select(r => (r.LabelIndex, r.Weight, r.Features[0], r.Features[2])));
        var regression = store.Regression("m", "2")!;
        Assert.Equal(VersionDatasets.MaxRegressionRows, kept);
        Assert.Equal(kept, regression.Count);
        Assert.InRange(regression.Count(r => r.Features[0] < VersionDatasets.MaxRegressionRows), 0.45 * kept, 0.55 * kept);
        Assert.Null(store.Training("m", "3"));
        Assert.Throws<ArgumentException>(() => store.Training("../m", "2"));
    }

    [Fact]
    public void A_file_that_is_not_rows_is_refused()
    {
        var path = Path.Combine(_data.FullName, "m", "versions", "1", "training.rows");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path))
        using (var zip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            zip.Write("NOTROWS!........"u8);
        }

        Assert.Throws<InvalidDataException>(() => new VersionDatasets(_data.FullName).Training("m", "1"));
    }

    [Fact]
    public void The_data_a_shipped_model_is_made_again_from_is_the_data_it_was_made_from()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", DefaultModels.SensorModelName, "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));

        var (train, holdout) = DefaultModels.DataOf(manifest)!.Value;

        Assert.Equal((DefaultModels.SensorSamples * 4 / 5, DefaultModels.SensorSamples / 5), (train.Count, holdout.Count));
        // The holdout scores exactly what the shipped model's manifest says it scored on its holdout.
        Assert.Equal(manifest.Metrics["accuracy"], ModelEvaluation.Of(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), holdout).Accuracy, 6);
        Assert.Null(DefaultModels.DataOf(manifest with { Lineage = new ModelLineage("1", "run-7", "snapshot") }));
    }

    public void Dispose() => _data.Delete(recursive: true);
}
