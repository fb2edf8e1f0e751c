using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>Bring your own sensor data: a CSV of labelled windows trains a new sensor model that reads telemetry by the CSV's column names.</summary>
public sealed class CsvDatasetTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-csv-");

    private string Csv(string name, string content)
    {
        var path = Path.Combine(_root.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_csv_of_labelled_readings_trains_a_model_that_reads_telemetry_by_the_column_names()
    {
        var path = Path.Combine(_root.FullName, "press-4.csv");
        LabelledReadings.WriteCsv(path, LabelledReadings.Of(1_500, drift: 0, seed: 31, Start), ["current", "state", "vibration", "temperature"], labelColumn: "state");

        var data = await CsvDataset.ReadAsync(path, labelColumn: "state");
        var trained = DatasetTrainer.Train(data, "press-anomaly");
        output.WriteLine($"holdout: {trained.Holdout.Samples} windows, accuracy {trained.Holdout.Accuracy:P1}, macro-F1 {trained.Holdout.MacroF1:P1}");

        Assert.Equal(["current", "vibration", "temperature"], trained.Model.Manifest.Features);
        Assert.Equal(["anomaly", "normal"], trained.Model.Manifest.Labels);
        Assert.Equal((PayloadKind.Telemetry, ScoreForm.BinaryProbability), (trained.Model.Manifest.Kind, trained.Model.Manifest.ScoreForm));
        Assert.InRange(trained.Holdout.Accuracy, 0.9, 1.0);
        Assert.Equal(1_500, trained.TrainSamples + trained.Holdout.Samples);
        Assert.True(trained.Holdout.PerLabel["anomaly"].Support > 0 && trained.Holdout.PerLabel["normal"].Support > 0);

        // Served as the gateway serves it: device payloads name their values, in whatever order.
        await using var served = new LoadedModel(new OnnxModel(trained.Model.Manifest, trained.Model.Onnx), new BatchingOptions());
        var features = new float[3];
        var right = 0;
        var fresh = LabelledReadings.Of(300, drift: 0, seed: 32, Start).ToList();
        foreach (var reading in fresh)
        {
            Assert.Null(served.ReadInput(LabelledReadings.Payload(reading), features).Error);
            right += served.Manifest.Labels[(await served.InferAsync(features)).LabelIndex] == reading.Label ? 1 : 0;
        }

        output.WriteLine($"served: {right} of {fresh.Count} fresh readings right");
        Assert.InRange(right / (double)fresh.Count, 0.9, 1.0);
    }

    [Fact]
    public async Task The_same_file_trains_the_same_model_and_holds_out_the_same_rows()
    {
        var path = Path.Combine(_root.FullName, "same.csv");
        LabelledReadings.WriteCsv(path, LabelledReadings.Of(400, drift: 0, seed: 33, Start), ["temperature", "vibration", "current", "label"]);

        var first = DatasetTrainer.Train(await CsvDataset.ReadAsync(path), "same");
        var second = DatasetTrainer.Train(await CsvDataset.ReadAsync(path), "same");

        Assert.Equal(first.Model.Manifest.Sha256, second.Model.Manifest.Sha256);
        Assert.Equal(first.Holdout, second.Holdout with { PerLabel = first.Holdout.PerLabel });
        Assert.Equal(first.Model.Manifest.Lineage, second.Model.Manifest.Lineage);
    }

    [Theory]
    [InlineData("temperature,vibration,label\n45.1,0.3,normal\n46.0,abc,normal\n", "line 3: 'abc' in column 'vibration' is not a number")]
    [InlineData("temperature,vibration,label\n45.1,0.3,normal\n\n46.0,NaN,anomaly\n", "line 4: 'NaN' in column 'vibration' is not a number")]
    [InlineData("temperature,vibration,label\n45.1,0.3\n", "line 2: it has 2 fields, the header 3")]
    [InlineData("temperature,vibration,label\n45.1,0.3,normal\n45.1,0.3,\n", "line 3: the 'label' is empty")]
    [InlineData("temperature,vibration,state\n45.1,0.3,normal\n", "no 'label' column to take the labels from; its columns are temperature, vibration, state")]
    [InlineData("temperature,temperature,label\n45.1,0.3,normal\n", "every column needs a name of its own")]
    [InlineData("label\nnormal\nanomaly\n", "0 value columns besides 'label'")]
    [InlineData("temperature,label\n45.1,normal\n47.2,normal\n", "every row is labelled 'normal'")]
    [InlineData("temperature,label\n", "has a header but no rows")]
    [InlineData("", "is empty")]
    public async Task A_csv_that_cannot_be_read_is_refused_naming_the_line_or_what_is_missing(string content, string error)
    {
        var path = Csv("bad.csv", content);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => CsvDataset.ReadAsync(path));

        Assert.Contains(error, refused.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
