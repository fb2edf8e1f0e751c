using System.Text.Json;
using IotAi.Tests.Shared;

namespace IotAi.Cli.Tests;

/// <summary><c>iotai models import</c> of a user's own models: an image model with a preset and the recipe's settings as options, a stateful tensor model.</summary>
public sealed class ModelImportTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-cli-import-");

    [Fact]
    public async Task A_cnn_is_imported_with_the_imagenet_preset_and_a_letterbox_and_a_setting_that_cannot_work_is_one_line()
    {
        var onnx = Path.Combine(_root.FullName, "cnn.onnx");
        await File.WriteAllBytesAsync(onnx, new OnnxGraph()
            .Input("image", OnnxGraph.Float, "batch", 3, "height", "width")
            .Node("GlobalAveragePool", ["image"], ["pooled"])
            .Node("Flatten", ["pooled"], ["flat"])
            .Node("Softmax", ["flat"], ["scores"])
            .Output("scores", OnnxGraph.Float, "batch", 3)
            .ToBytes());
        var data = Path.Combine(_root.FullName, "data");
        string[] common = ["models", "import", onnx, "--name", "cnn", "--kind", "Image", "--labels", "r", "g", "b", "--image", "imagenet", "--data", data];

        var refused = await IotaiProcess.RunAsync([.. common, "--version", "1", "--mean", "0.5,0.5"]);
        var imported = await IotaiProcess.RunAsync([.. common, "--version", "2", "--resize", "letterbox:114"]);
        var inspected = await IotaiProcess.RunAsync("models", "inspect", "cnn", "2", "--data", data);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("iotai: the image recipe does not work: mean has 2 values; a rgb image needs 3", refused.Error.Trim());
        Assert.Equal(0, imported.ExitCode);
        Assert.Equal(0, inspected.ExitCode);
        var recipe = JsonDocument.Parse(inspected.Output).RootElement.GetProperty("manifest").GetProperty("image");
        Assert.Equal(("rgb", "letterbox", 114, 224), (recipe.GetProperty("channels").GetString(), recipe.GetProperty("resize").GetString(), recipe.GetProperty("padValue").GetInt32(), recipe.GetProperty("width").GetInt32()));
    }

    [Fact]
    public async Task A_stateful_model_is_imported_as_a_tensor_model_with_its_state_pairs_and_a_mismatched_pair_is_one_line()
    {
        var onnx = Path.Combine(_root.FullName, "streaming.onnx");
        await File.WriteAllBytesAsync(onnx, OnnxGraph.Streaming().ToBytes());
        var data = Path.Combine(_root.FullName, "data");
        string[] common = ["models", "import", onnx, "--name", "streaming", "--kind", "Tensor", "--data", data];

        var refused = await IotaiProcess.RunAsync([.. common, "--version", "1", "--state", "rate=h_next"]);
        var imported = await IotaiProcess.RunAsync([.. common, "--version", "2", "--state", "h=h_next", "--state-idle", "45"]);
        var inspected = await IotaiProcess.RunAsync("models", "inspect", "streaming", "2", "--data", data);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("iotai: model streaming 1: the state pair rate=h_next does not match: the input is int64, the output float32.", refused.Error.Trim());
        Assert.Equal(0, imported.ExitCode);
        var manifest = JsonDocument.Parse(inspected.Output).RootElement.GetProperty("manifest");
        Assert.Equal(("tensor", "h", "h_next", 45), (manifest.GetProperty("kind").GetString(), manifest.GetProperty("statePairs")[0].GetProperty("input").GetString(),
            manifest.GetProperty("statePairs")[0].GetProperty("output").GetString(), manifest.GetProperty("stateIdleSeconds").GetInt32()));
        Assert.Equal(3, manifest.GetProperty("inputs").GetArrayLength());
    }

    public void Dispose() => _root.Delete(recursive: true);
}
