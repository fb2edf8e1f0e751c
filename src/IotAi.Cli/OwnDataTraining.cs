using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using IotAi.Grains.Hosting;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai train --from-folder DIR | --from-csv FILE --name NAME</c>: train a new model on the user's own labelled
/// data, print how it does on the held-out share, and write it as a signed package (<c>--out</c>), upload it to a
/// silo's model API (<c>--url</c>), or both.
/// </summary>
internal sealed class OwnDataTraining(Option<string?> url, Option<double> holdout)
{
    private readonly Option<DirectoryInfo?> _folder = new("--from-folder") { Description = "Train a new image model on a folder with a subfolder of images per class" };
    private readonly Option<FileInfo?> _csv = new("--from-csv") { Description = "Train a new sensor model on a CSV: a header row, a label column, every other column a value" };
    private readonly Option<string?> _name = new("--name") { Description = "The new model's name" };
    private readonly Option<string> _version = new("--version") { Description = "The new model's version", DefaultValueFactory = _ => "1" };
    private readonly Option<FileInfo?> _out = new("--out") { Description = "Write the signed package (.iotai) here" };
    private readonly Option<FileInfo?> _key = new("--key")
    {
        Description = "The signing key (PEM). Default: with --url, the key of --data; with --out only, model-signing-key.pem beside the package, made if missing",
    };
    private readonly Option<DirectoryInfo> _data = new("--data")
    {
        Description = "The silo's data directory: with --url and no --key, its key signs the model; for a silo on this machine, its admin API key is used when no --api-key is given",
        DefaultValueFactory = _ => new DirectoryInfo(new GatewayOptions().DataDirectory),
    };
    private readonly Option<string> _labelColumn = new("--label-column") { Description = "--from-csv: the column that holds the labels", DefaultValueFactory = _ => CsvDataset.DefaultLabelColumn };
    private readonly Option<string> _imageSize = new("--image-size") { Description = "--from-folder: the WIDTHxHEIGHT every image is resized to", DefaultValueFactory = _ => "32x32" };
    private readonly Option<string> _channels = new Option<string>("--channels") { Description = "--from-folder: gray, rgb or bgr", DefaultValueFactory = _ => "gray" }.AcceptOnlyFromAmong("gray", "rgb", "bgr");
    private readonly Option<string?> _backbone = new("--backbone")
    {
        Description = "--from-folder: transfer learning on a pretrained backbone, resnet18 or an ONNX file; a linear head is trained on its embeddings, kept in DIR/.iotai-embeddings. The recipe starts from the imagenet preset",
    };
    private readonly ImageRecipeOptions _recipe = new();

    private SiloConnection? _silo;

    /// <summary>The silo at <c>--url</c>, where <c>--model</c> retrains and a new model is uploaded, called with <c>--api-key</c> or the admin key of <c>--data</c>.</summary>
    public SiloConnection Silo => _silo ??= new SiloConnection(url, _data);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _folder, _csv, _name, _version, _out, _key, _labelColumn, _imageSize, _channels, _backbone })
        {
            command.Options.Add(option);
        }

        _recipe.AddTo(command);
        Silo.AddTo(command);
    }

    public bool IsChosen(ParseResult parse) => parse.GetResult(_folder) is not null || parse.GetResult(_csv) is not null;

    /// <summary>
    /// One way to train at a time: <c>--model</c> (with <paramref name="siloOnly"/>) or one source of data (with the
    /// options that describe it), each refusing the other's options.
    /// </summary>
    public void Validate(CommandResult result, Option model, IReadOnlyList<Option> siloOnly)
    {
        bool Given(Option option) => result.GetResult(option) is { Implicit: false };
        void Refuse(IEnumerable<Option> options, string why)
        {
            foreach (var option in options.Where(Given))
            {
                result.AddError($"{option.Name} {why}");
            }
        }

        var sources = new Option[] { model, _folder, _csv }.Where(Given).Select(static o => o.Name).ToList();
        if (sources.Count != 1)
        {
            result.AddError(sources.Count == 0
                ? "say what to train: --model NAME retrains a model in a silo, --from-folder DIR or --from-csv FILE trains a new one from your own data"
                : $"{string.Join(" and ", sources)} are different ways to train: give one");
            return;
        }

        if (Given(model))
        {
            Refuse([_name, _version, _out, _key, _labelColumn, _imageSize, _channels, _backbone], "goes with --from-folder or --from-csv, not with --model");
            return;
        }

        Refuse(siloOnly, "goes with --model, not with your own data");
        if (Given(holdout) && result.GetResult(holdout)!.GetValueOrDefault<double>() is <= 0 or >= 1)
        {
            result.AddError("--holdout is a share between 0 and 1, such as 0.2");
        }

        Refuse(Given(_folder) ? [_labelColumn] : [_imageSize, _channels, _backbone], $"does not go with {sources[0]}");
        if (Given(_backbone))
        {
            Refuse([_imageSize, _channels], "does not go with --backbone: the backbone's input decides the size and channels");
        }

        if (!Given(_name))
        {
            result.AddError("--name is required: the new model's name");
        }

        if (!Given(_out) && !Given(url))
        {
            result.AddError("say where the model goes: --out FILE writes it, --url SILO uploads it, or give both");
        }
    }

    public async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var name = parse.GetValue(_name)!;
        var backbone = parse.GetValue(_backbone) is { } chosen ? Backbone(chosen) : null;
        var image = parse.GetValue(_folder) is null ? null
            : _recipe.Settings(parse).ApplyTo(backbone is null ? ImageRecipe(parse.GetValue(_imageSize)!, parse.GetValue(_channels)!) : ImagePreprocessing.ImageNet((int)backbone.InputShape[^1]));
        using var keys = SigningKeys(parse);
        LabelledDataset? data = null;
        DatasetTraining? trained = null;
        await AnsiConsole.Status().StartAsync("reading the data", async context =>
        {
            var progress = new StatusProgress(context);
            var read = parse.GetValue(_folder) is { } folder
                ? await Task.Run(() => FolderDataset.Read(folder.FullName, image!, progress, backbone), ct)
                : await CsvDataset.ReadAsync(parse.GetValue(_csv)!.FullName, parse.GetValue(_labelColumn)!, progress, ct);
            data = read;
            trained = await Task.Run(() => DatasetTrainer.Train(read, name, parse.GetValue(_version)!, parse.GetValue(holdout), progress), ct);
        });

        ReportSkipped(data!.Skipped);
        Report(data, trained!);
        var package = trained!.Model.Sign(keys.Signer);
        var output = parse.GetValue(_out);
        var file = output ?? new FileInfo(Path.Combine(Path.GetTempPath(), $"iotai-{Guid.NewGuid():N}{ModelPackage.Extension}"));
        Directory.CreateDirectory(file.DirectoryName!);
        using (var stream = file.Create())
        {
            package.WriteTo(stream);
        }

        try
        {
            if (output is not null)
            {
                AnsiConsole.MarkupLineInterpolated($"Wrote [green]{name}[/] {package.Manifest.Version} to {output.FullName}, signed by {keys.Signer.KeyId}");
            }

            if (parse.GetValue(url) is { } silo)
            {
                using var api = ModelsApi.Connect(Silo, parse);
                var uploaded = await api.ImportAsync(file, null, ct);
                AnsiConsole.MarkupLineInterpolated($"Uploaded [green]{uploaded.Name}[/] {uploaded.Version} to {silo} ({uploaded.State}), signed by {uploaded.SignedBy}");
            }
        }
        finally
        {
            if (output is null)
            {
                file.Delete();
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>--key</c>; else, for a silo, the key of its data directory, since a silo takes only models signed by a key it
    /// trusts; else the key beside the package, made on first use, whose public half a silo or device must be told to trust.
    /// </summary>
    private ModelKeyring SigningKeys(ParseResult parse)
    {
        if (parse.GetValue(_key) is { } key)
        {
            return ModelKeyring.Load(new ModelSigningOptions { PrivateKeyFile = key.FullName }, key.DirectoryName!);
        }

        if (parse.GetValue(url) is not null)
        {
            var silo = new GatewayOptions { DataDirectory = parse.GetValue(_data)!.FullName }.KeysDirectory;
            return File.Exists(Path.Combine(silo, ModelKeyring.GeneratedKeyFileName))
                ? ModelKeyring.Load(new ModelSigningOptions(), silo)
                : throw new InvalidOperationException($"a silo takes only models signed by a key it trusts, and {silo} has none: give --key (the silo's key, or one in its Models:Signing:TrustedKeyFiles), or --data with the silo's data directory");
        }

        var beside = parse.GetValue(_out)!.DirectoryName!;
        var made = !File.Exists(Path.Combine(beside, ModelKeyring.GeneratedKeyFileName));
        var keys = ModelKeyring.Load(new ModelSigningOptions(), beside);
        if (made)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Made a signing key, {Path.Combine(beside, ModelKeyring.GeneratedKeyFileName)}; a silo or device takes this model once {Path.Combine(beside, $"{keys.Signer.KeyId}.pub.pem")} is in its Models:Signing:TrustedKeyFiles");
        }

        return keys;
    }

    /// <summary><c>resnet18</c>, shipped beside the CLI, or a backbone's ONNX file.</summary>
    private static PretrainedBackbone Backbone(string chosen) => string.Equals(chosen, "resnet18", StringComparison.OrdinalIgnoreCase)
        ? PretrainedBackbone.ResNet18()
        : File.Exists(chosen)
            ? PretrainedBackbone.FromOnnx(Path.GetFileNameWithoutExtension(chosen), File.ReadAllBytes(chosen))
            : throw new ArgumentException($"--backbone is resnet18 or a backbone's ONNX file, and '{chosen}' is neither");

    private static ImagePreprocessing ImageRecipe(string size, string channels) =>
        size.Contains(':', StringComparison.Ordinal)
            ? throw new ArgumentException($"--image-size is WIDTHxHEIGHT, such as 64x64, not '{size}'; the channels go in --channels")
            : ImagePreprocessing.Parse($"{size}:{channels}");

    private static void ReportSkipped(IReadOnlyList<SkippedInput> skipped)
    {
        const int shown = 20;
        foreach (var item in skipped.Take(shown))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {item.Where}: {item.Reason}");
        }

        if (skipped.Count > shown)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]and {skipped.Count - shown} more skipped[/]");
        }
    }

    private static void Report(LabelledDataset data, DatasetTraining trained)
    {
        var holdout = trained.Holdout;
        var table = new Table().AddColumns("label", "held out", "precision", "recall", "F1");
        foreach (var (label, figures) in holdout.PerLabel)
        {
            table.AddRow(Markup.Escape(label), figures.Support.ToString(CultureInfo.InvariantCulture), Percent(figures.Precision), Percent(figures.Recall), Percent(figures.F1));
        }

        AnsiConsole.Write(table);
        var input = data.Image is { } image ? $"{image.Width}x{image.Height} {image.Channels.ToString().ToLowerInvariant()} images" : $"values {string.Join(", ", data.Features)}";
        AnsiConsole.MarkupLineInterpolated(
            $"Trained on {trained.TrainSamples} examples ({input}), {data.Skipped.Count} skipped; on {holdout.Samples} held out: accuracy [bold]{Percent(holdout.Accuracy)}[/], macro-F1 [bold]{Percent(holdout.MacroF1)}[/]");

        static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);
    }

    /// <summary>Shows a training step's progress in the spinner's line.</summary>
    private sealed class StatusProgress(StatusContext context) : IProgress<string>
    {
        public void Report(string value) => context.Status(Markup.Escape(value));
    }
}
