using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai models</c>: build the default models, and manage the signed model registry of a data directory, or
/// of a running silo with <c>--url</c>: import (a package, or any ONNX model), list, inspect, export, promote,
/// deprecate, delete; and, from a silo, the model key set devices are given (<c>keys</c>).
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var access = new RegistryAccess();
        var models = new Command("models", "Build the default models and manage the model registry")
        {
            Build(), Import(access), List(access), Inspect(access), Export(access), ModelKeysCommand.Create(),
            Change("promote", "Make a version the one that serves by default (running silos switch to it within Models:RefreshInterval)", access, static (r, n, v) => r.Promote(n, v)),
            Change("deprecate", "Mark a version as not to be rolled out", access, static (r, n, v) => r.Deprecate(n, v)),
            Change("delete", "Remove a version that is not active", access, static (r, n, v) =>
            {
                r.Delete(n, v);
                return null;
            }),
        };
        return models;
    }

    private static Command Build()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where to write {name}/{version}/model.onnx and manifest.json, and the head on ResNet18 under resnet18/",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("cloud", "IotAi.Grains", "DefaultModels")),
        };
        var seed = new Option<int>("--seed") { Description = "The training seed", DefaultValueFactory = _ => DefaultModels.DefaultSeed };
        var build = new Command("build", "Train the default sensor and image models with ML.NET (the image model also as a head on ResNet18) and export them to ONNX") { output, seed };
        build.SetAction(parse =>
        {
            var directory = parse.GetValue(output)!.FullName;
            var trainingSeed = parse.GetValue(seed);
            foreach (var (train, under) in new (Func<TrainedModel>, string)[]
            {
                (() => DefaultModels.TrainSensorModel(trainingSeed), directory),
                (() => DefaultModels.TrainImageModel(trainingSeed), directory),
                (() => DefaultModels.TrainImageHead(PretrainedBackbone.ResNet18(), trainingSeed), Path.Combine(directory, ShippedModels.ResNet18Folder)),
            })
            {
                // A head's backbone is not written: the build places ResNet18 beside the program, and the manifest names it by hash.
                var model = train();
                var folder = model.SaveTo(under);
                var metrics = string.Join(", ", model.Manifest.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:F4}")));
                Console.WriteLine($"{model.Manifest.Name} {model.Manifest.Version}: {metrics} -> {folder}");
            }

            return 0;
        });
        return build;
    }

    private static Command Import(RegistryAccess access)
    {
        var file = new Argument<FileInfo>("file") { Description = "A signed package (.iotai) or an ONNX model (.onnx)" };
        var name = new Option<string?>("--name") { Description = "ONNX only: the model's name" };
        var version = new Option<string?>("--version") { Description = "ONNX only: the version" };
        var kind = new Option<PayloadKind?>("--kind") { Description = "ONNX only: Telemetry or Image for a classifier, Tensor for any other model (called with named tensors)" };
        var labels = CliArguments.Many<string>("--labels", "ONNX classifiers: the labels, in output order");
        var state = CliArguments.Many<string>("--state", "ONNX tensor models: INPUT=OUTPUT pairs; each device's grain feeds the input with what the output gave on the device's previous call");
        var stateIdle = new Option<int?>("--state-idle") { Description = "ONNX tensor models: seconds without a call before a device's state starts afresh (default 300)" };
        var features = CliArguments.Many<string>("--features", "ONNX telemetry models: value names in input order");
        var image = new Option<string?>("--image") { Description = "ONNX image models: a preset (imagenet, [-1,1], [0,1]) or WIDTHxHEIGHT, then gray, rgb or bgr, e.g. 224x224:rgb" };
        var recipe = new ImageRecipeOptions();
        var input = new Option<string?>("--input") { Description = "ONNX only: the input to feed (default: the only one)" };
        var scores = new Option<string?>("--scores-output") { Description = "ONNX only: the output with per-label probabilities (default: found by shape)" };
        var command = new Command("import", "Import a signed package, or sign and import an ONNX model")
        {
            file, name, version, kind, labels, features, image, input, scores, state, stateIdle, access.Data, access.Key, access.Url, access.ApiKey,
        };
        recipe.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (parse.GetValue(access.Url) is not null)
            {
                using var api = ModelsApi.Connect(access.Silo, parse);
                var query = path.Extension == ModelPackage.Extension ? null : string.Join('&', new (string Key, string? Value)[]
                {
                    ("name", parse.GetValue(name)), ("version", parse.GetValue(version)), ("kind", parse.GetValue(kind)?.ToString()),
                    ("labels", string.Join(',', parse.GetValue(labels) ?? [])), ("features", string.Join(',', parse.GetValue(features) ?? [])),
                    ("image", parse.GetValue(image)), ("input", parse.GetValue(input)), ("scoresOutput", parse.GetValue(scores)),
                    ("state", string.Join(',', parse.GetValue(state) ?? [])), ("stateIdleSeconds", parse.GetValue(stateIdle)?.ToString(CultureInfo.InvariantCulture)),
                }.Concat(recipe.Settings(parse).Pairs.Select(static p => (Key: p.Name, p.Value))).Where(static p => !string.IsNullOrEmpty(p.Value)).Select(static p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
                var uploaded = await api.ImportAsync(path, query, ct);
                AnsiConsole.MarkupLineInterpolated($"Imported [green]{uploaded.Name}[/] {uploaded.Version} ({uploaded.State}), signed by {uploaded.SignedBy}");
                return 0;
            }

            var (keys, registry) = access.Open(parse);
            using (keys)
            {
                RegisteredModel imported;
                if (path.Extension == ModelPackage.Extension)
                {
                    using var stream = path.OpenRead();
                    imported = registry.Import(ModelPackage.Read(stream));
                }
                else
                {
                    var modelKind = parse.GetValue(kind) ?? throw new ArgumentException("--kind is required for an ONNX model.");
                    var request = new OnnxImport
                    {
                        Name = parse.GetValue(name) ?? throw new ArgumentException("--name is required for an ONNX model."),
                        Version = parse.GetValue(version) ?? throw new ArgumentException("--version is required for an ONNX model."),
                        Kind = modelKind,
                        Labels = parse.GetValue(labels) is { Length: > 0 } l ? l
                            : modelKind == PayloadKind.Tensor ? [] : throw new ArgumentException("--labels is required for an ONNX classifier."),
                        StatePairs = [.. (parse.GetValue(state) ?? []).Select(StatePair.Parse)],
                        StateIdleSeconds = parse.GetValue(stateIdle),
                        Features = parse.GetValue(features) ?? [],
                        Image = parse.GetValue(image) is { } text ? recipe.Settings(parse).ApplyTo(ImagePreprocessing.Parse(text)) : null,
                        Input = parse.GetValue(input),
                        ScoresOutput = parse.GetValue(scores),
                    };
                    imported = ModelImporter.Import(File.ReadAllBytes(path.FullName), request, keys.Signer, registry);
                }

                AnsiConsole.MarkupLineInterpolated($"Imported [green]{imported.Name}[/] {imported.Version} ({imported.State}), signed by {imported.Signature.KeyId}");
                return 0;
            }
        });
        return command;
    }

    private static Command List(RegistryAccess access)
    {
        var json = CliOutput.JsonFlag();
        var command = new Command("list", "List every registered version") { access.Data, access.Key, access.Url, access.ApiKey, json };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<ModelSummary> models;
            if (parse.GetValue(access.Url) is not null)
            {
                using var api = ModelsApi.Connect(access.Silo, parse);
                models = await api.ListAsync(ct);
            }
            else
            {
                var (keys, registry) = access.Open(parse);
                using (keys)
                {
                    models = [.. registry.List().Select(ModelSummary.Of)];
                }
            }

            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(models);
                return 0;
            }

            var table = new Table().AddColumns("model", "version", "state", "kind", "labels", "sha256", "signed by", "accuracy");
            foreach (var m in models)
            {
                var accuracy = m.Metrics.TryGetValue("accuracy", out var a) ? a.ToString("P1", CultureInfo.InvariantCulture) : "";
                table.AddRow(Markup.Escape(m.Name), Markup.Escape(m.Version), m.State, m.Kind, Markup.Escape(string.Join(",", m.Labels)), m.Sha256[..12], m.SignedBy, accuracy);
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Inspect(RegistryAccess access)
    {
        var (name, version) = NameAndVersion();
        var command = new Command("inspect", "Show a version's manifest, signature and state") { name, version, access.Data, access.Key, access.Url, access.ApiKey };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(access.Url) is not null)
            {
                using var api = ModelsApi.Connect(access.Silo, parse);
                CliOutput.WriteJson(await api.InspectAsync(parse.GetValue(name)!, parse.GetValue(version)!, ct));
                return 0;
            }

            var (keys, registry) = access.Open(parse);
            using (keys)
            {
                var model = registry.Find(parse.GetValue(name)!, parse.GetValue(version)!)
                    ?? throw new KeyNotFoundException($"{parse.GetValue(name)} version {parse.GetValue(version)} is not registered.");
                CliOutput.WriteJson(JsonSerializer.SerializeToElement(new { state = model.State.ToString(), signature = model.Signature, manifest = model.Manifest }, ModelManifest.JsonOptions));
                return 0;
            }
        });
        return command;
    }

    private static Command Export(RegistryAccess access)
    {
        var (name, version) = NameAndVersion();
        var output = new Option<FileInfo>("--out") { Description = "The package file to write", Required = true };
        var command = new Command("export", "Write a version as a signed package file, for another registry or a device") { name, version, output, access.Data, access.Key };
        command.SetAction(parse =>
        {
            var (keys, registry) = access.Open(parse);
            using (keys)
            {
                var package = registry.Open(parse.GetValue(name)!, parse.GetValue(version)!);
                using var stream = parse.GetValue(output)!.Create();
                package.WriteTo(stream);
                return 0;
            }
        });
        return command;
    }

    private static Command Change(string verb, string description, RegistryAccess access, Func<ModelRegistry, string, string, RegisteredModel?> change)
    {
        var (name, version) = NameAndVersion();
        var command = new Command(verb, description) { name, version, access.Data, access.Key, access.Url, access.ApiKey };
        command.SetAction(async (parse, ct) =>
        {
            string? state;
            if (parse.GetValue(access.Url) is not null)
            {
                using var api = ModelsApi.Connect(access.Silo, parse);
                state = await api.ChangeAsync(verb, parse.GetValue(name)!, parse.GetValue(version)!, ct);
            }
            else
            {
                var (keys, registry) = access.Open(parse);
                using (keys)
                {
                    state = change(registry, parse.GetValue(name)!, parse.GetValue(version)!)?.State.ToString();
                }
            }

            AnsiConsole.MarkupLineInterpolated($"{parse.GetValue(name)} {parse.GetValue(version)}: {state ?? "deleted"}");
            return 0;
        });
        return command;
    }

    private static (Argument<string> Name, Argument<string> Version) NameAndVersion() =>
        (new Argument<string>("name") { Description = "The model's name" }, new Argument<string>("version") { Description = "The version" });
}
