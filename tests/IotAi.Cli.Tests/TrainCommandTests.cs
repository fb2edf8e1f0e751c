using System.Text.Json;
using IotAi.Gateway.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Cli.Tests;

/// <summary><c>iotai train</c>: one way to train at a time, and a model from the user's own CSV written as a package that a silo can be told to trust.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-cli-train-");

    [Theory]
    [InlineData("", "say what to train")]
    [InlineData("--model sensor-anomaly --from-csv w.csv", "--model and --from-csv are different ways to train: give one")]
    [InlineData("--from-folder photos --from-csv w.csv --name m --out m.iotai", "--from-folder and --from-csv are different ways to train")]
    [InlineData("--model sensor-anomaly --name m", "--name goes with --from-folder or --from-csv, not with --model")]
    [InlineData("--model sensor-anomaly --image-size 64x64", "--image-size goes with --from-folder or --from-csv, not with --model")]
    [InlineData("--from-csv w.csv --name m --out m.iotai --no-rollout", "--no-rollout goes with --model, not with your own data")]
    [InlineData("--from-csv w.csv --name m --out m.iotai --min-improvement 0.1", "--min-improvement goes with --model")]
    [InlineData("--from-csv w.csv --name m --out m.iotai --channels rgb", "--channels does not go with --from-csv")]
    [InlineData("--from-folder photos --name m --out m.iotai --label-column state", "--label-column does not go with --from-folder")]
    [InlineData("--from-csv w.csv --out m.iotai", "--name is required")]
    [InlineData("--from-csv w.csv --name m", "say where the model goes: --out FILE writes it, --url SILO uploads it")]
    [InlineData("--from-csv w.csv --name m --out m.iotai --holdout 1", "--holdout is a share between 0 and 1")]
    [InlineData("--from-folder photos --name m --out m.iotai --backbone resnet18 --image-size 64x64", "--image-size does not go with --backbone")]
    [InlineData("--from-csv w.csv --name m --out m.iotai --backbone resnet18", "--backbone does not go with --from-csv")]
    public void Mixed_or_missing_options_are_refused_before_anything_runs(string args, string error)
    {
        var parse = TrainCommand.Create().Parse(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Contains(parse.Errors, e => e.Message.Contains(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--model sensor-anomaly --holdout 0.3 --no-rollout --url http://localhost:8080")]
    [InlineData("--from-folder photos --name parts --out parts.iotai --image-size 64x64 --channels rgb --holdout 0.3")]
    [InlineData("--from-folder photos --name parts --out parts.iotai --backbone resnet18 --resize stretch")]
    [InlineData("--from-csv w.csv --name press --version 2 --label-column state --url http://localhost:8080 --key k.pem --data .iotai")]
    public void Either_way_to_train_parses_with_its_own_options(string args)
    {
        var parse = TrainCommand.Create().Parse(args.Split(' '));

        Assert.Empty(parse.Errors);
    }

    [Fact]
    public async Task A_folder_trains_a_head_on_resnet18_and_the_package_carries_the_backbone_and_the_head()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_root.FullName, "photos"));
        var camera = new IotAi.Synthetic.SyntheticCamera(seed: 3, format: SkiaSharp.SKEncodedImageFormat.Png);
        foreach (var shape in Enum.GetValues<IotAi.Synthetic.ImageShape>())
        {
            var folder = photos.CreateSubdirectory(IotAi.Synthetic.ImageShapes.Label(shape));
            for (var i = 0; i < 12; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(folder.FullName, $"{i}.png"), camera.Next(shape).Encoded);
            }
        }

        var output = Path.Combine(_root.FullName, "out", "shapes.iotai");

        var run = await IotaiProcess.RunAsync("train", "--from-folder", photos.FullName, "--backbone", "resnet18", "--resize", "stretch", "--name", "shapes", "--out", output, "--holdout", "0.25");

        Assert.True(run.ExitCode == 0, run.Error);
        var package = Read(output);
        Assert.Equal(("resnet18", 512), (package.Manifest.Backbone!.Name, package.Manifest.Backbone.Width));
        Assert.Equal(package.Manifest.Backbone.Bytes, package.Backbone!.LongLength);
        Assert.Equal(48, Directory.EnumerateFiles(Path.Combine(photos.FullName, ".iotai-embeddings"), "*.f32", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task A_model_from_a_csv_is_written_signed_by_a_key_made_beside_it_and_the_next_run_signs_with_the_same_key()
    {
        var csv = Path.Combine(_root.FullName, "press.csv");
        LabelledReadings.WriteCsv(csv, LabelledReadings.Of(400, drift: 0, seed: 51, DateTimeOffset.UnixEpoch), ["temperature", "vibration", "current", "label"]);
        var output = Path.Combine(_root.FullName, "out", "press.iotai");

        var first = await TrainCommand.Create().Parse(["--from-csv", csv, "--name", "press", "--out", output]).InvokeAsync();
        var package = Read(output);
        var second = await TrainCommand.Create().Parse(["--from-csv", csv, "--name", "press", "--version", "2", "--out", output]).InvokeAsync();

        Assert.Equal((0, 0), (first, second));
        var publicKey = Path.Combine(_root.FullName, "out", $"{package.Signature!.KeyId}.pub.pem");
        Assert.True(File.Exists(Path.Combine(_root.FullName, "out", ModelKeyring.GeneratedKeyFileName)), "the key was not kept beside the package");
        using var trusted = new TrustedKeys();
        trusted.Add(await File.ReadAllTextAsync(publicKey));
        package.Verify(trusted);
        Assert.Equal(("press", "1"), (package.Manifest.Name, package.Manifest.Version));
        Assert.Equal(["temperature", "vibration", "current"], package.Manifest.Features);
        Assert.InRange(package.Manifest.Metrics["accuracy"], 0.9, 1.0);
        var again = Read(output);
        Assert.Equal(("2", package.Signature.KeyId), (again.Manifest.Version, again.Signature!.KeyId));
        again.Verify(trusted);
    }

    [Fact]
    public void A_verdict_shows_each_version_on_recent_traffic_the_regression_set_and_the_holdout_and_every_gate()
    {
        var (labels, rows) = (new[] { "normal", "anomaly" }, new[] { new LabelledRow([], 0), new LabelledRow([], 1) });
        PairedEvaluation Pair(int[] current, int[] candidate) => new(ModelEvaluation.From(labels, rows, current), ModelEvaluation.From(labels, rows, candidate), 0, 1);
        var outcome = new TrainingOutcome("sensor-anomaly-1", "sensor-anomaly", "s", 400, 100, "1", Pair([0, 1], [0, 0]).Current, Pair([0, 1], [0, 0]).Candidate, null,
            "refused: on 2 samples of recent traffic 50.0 % against v1's 100.0 %")
        {
            Traffic = Pair([0, 1], [0, 0]),
            Regression = Pair([0, 1], [0, 1]),
            ReplaySamples = 800,
            Gates = [new("traffic", false, 1, 0.5, 0.01, "on 2 samples of recent traffic 50.0 % against v1's 100.0 %"), new("regression", true, 1, 1, 0.05, "held")],
        };
        var json = JsonSerializer.SerializeToElement(new TrainingStatus("sensor-anomaly-1", "sensor-anomaly", "refused", outcome.Verdict, outcome, null), Web);
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 200;

        TrainCommand.Report(json, console);

        var lines = text.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("recent traffic (evaluation samples, never trained on)", StringComparison.Ordinal) && l.Contains("100.0 %", StringComparison.Ordinal) && l.Contains("50.0 %", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("v1's regression set", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("kept samples held out", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("trained on 400 kept samples and 800 of v1's training rows", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("traffic", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("regression", StringComparison.Ordinal) && l.Contains("passed", StringComparison.Ordinal) && l.Contains("held", StringComparison.Ordinal));
    }

    private static ModelPackage Read(string path)
    {
        using var file = File.OpenRead(path);
        return ModelPackage.Read(file);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
