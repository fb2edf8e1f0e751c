using System.CommandLine;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai models build</c>: trains the default models from their seed, byte for byte what the gateway ships.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where to write {name}/{version}/model.onnx and manifest.json",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("cloud", "IotAi.Gateway", "DefaultModels")),
        };
        var seed = new Option<int>("--seed") { Description = "The training seed", DefaultValueFactory = _ => DefaultModels.DefaultSeed };
        var build = new Command("build", "Train the default sensor and image models with ML.NET and export them to ONNX") { output, seed };
        build.SetAction(parse =>
        {
            var directory = parse.GetValue(output)!.FullName;
            var trainingSeed = parse.GetValue(seed);
            foreach (var train in new Func<TrainedModel>[] { () => DefaultModels.TrainSensorModel(trainingSeed), () => DefaultModels.TrainImageModel(trainingSeed) })
            {
                var model = train();
                var folder = model.SaveTo(directory);
                var metrics = string.Join(", ", model.Manifest.Metrics.Select(m => $"{m.Key} {m.Value:F4}"));
                AnsiConsole.MarkupLineInterpolated($"[green]{model.Manifest.Name}[/] {model.Manifest.Version}: {metrics} → {folder}");
            }

            return 0;
        });
        return new Command("models", "Work with models") { build };
    }
}
