using IotAi.Models;

namespace IotAi.Tests.Shared;

/// <summary>
/// The shipped sensor model with a check appended that fails at run time: any reading hotter than a limit makes it
/// look up a score column the graph does not have (GatherElements with an index out of range). It loads, and its
/// warm-up on zeros runs, so a device activates it; what it cannot do is answer a hot reading. Every other reading
/// gets the shipped model's own answer. It stands for a version that breaks only after it runs, on some data.
/// </summary>
internal static class BrittleSensorModel
{
    private const string Scores = "Probability.checked";

    /// <summary>A package of <paramref name="shipped"/>'s graph as <paramref name="version"/> that fails on readings above <paramref name="celsius"/>.</summary>
    public static ModelPackage Create(ModelPackage shipped, string version, float celsius, ModelSigner signer)
    {
        var manifest = shipped.Manifest;
        var onnx = new OnnxGraph()
            .Int64Initializer("brittle_column", [1], [manifest.Features.ToList().IndexOf("temperature")])
            .Node("Gather", [manifest.Input, "brittle_column"], ["brittle_temperature"], ("axis", 1))
            .FloatInitializer("brittle_limit", [], [celsius])
            .Node("Greater", ["brittle_temperature", "brittle_limit"], ["brittle_hot"])
            .Node("Cast", ["brittle_hot"], ["brittle_index"], ("to", OnnxGraph.Int64))
            .Node("GatherElements", [manifest.ScoresOutput, "brittle_index"], [Scores], ("axis", 1))
            .Output(Scores, OnnxGraph.Float, "N", 1)
            .AppendTo(shipped.Onnx);
        var scores = manifest.Outputs.Single(o => o.Name == manifest.ScoresOutput) with { Name = Scores };
        return ModelPackage.Create(manifest with { Version = version, ScoresOutput = Scores, Outputs = [.. manifest.Outputs, scores] }, onnx, signer);
    }
}
