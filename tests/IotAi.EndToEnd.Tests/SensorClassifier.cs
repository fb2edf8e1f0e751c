using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// A sensor model whose every answer a test can work out by hand, so it can tell versions apart by what they answer:
/// the anomaly's probability is the logistic of <c>weights · (temperature, vibration, current) + bias</c>. Padding that
/// no node reads makes the file as large as a test needs it to be, so it travels in many chunks.
/// </summary>
/// <param name="Weights">The weights of temperature, vibration and current.</param>
/// <param name="Bias">Added to the weighted sum.</param>
/// <param name="Padding">Values of an initializer nothing reads; different padding makes a different file.</param>
internal sealed record SensorClassifier(float[] Weights, float Bias, float[] Padding)
{
    /// <summary>A model of about <paramref name="kilobytes"/> KB, its padding drawn from <paramref name="seed"/>.</summary>
    public static SensorClassifier Of(float[] weights, float bias, int kilobytes, int seed)
    {
        var random = new Random(seed);
        return new SensorClassifier(weights, bias, [.. Enumerable.Range(0, kilobytes * 256).Select(_ => random.NextSingle())]);
    }

    public byte[] ToOnnx() => new OnnxGraph()
        .Input("Features", OnnxGraph.Float, "batch", 3)
        .FloatInitializer("weights", [3, 2], [0, Weights[0], 0, Weights[1], 0, Weights[2]])
        .Node("MatMul", ["Features", "weights"], ["logits"])
        .FloatInitializer("bias", [2], [0, Bias])
        .Node("Add", ["logits", "bias"], ["shifted"])
        .Node("Softmax", ["shifted"], ["scores"])
        .Output("scores", OnnxGraph.Float, "batch", 2)
        .FloatInitializer("padding", [Padding.Length], Padding)
        .ToBytes();

    public static ModelManifest Manifest(string name, string version) => new()
    {
        Name = name,
        Version = version,
        Kind = PayloadKind.Telemetry,
        Input = "Features",
        Features = ["temperature", "vibration", "current"],
        Labels = ["normal", "anomaly"],
        ScoresOutput = "scores",
        ScoreForm = ScoreForm.Probabilities,
    };

    /// <summary>The label this model gives a reading, and how sure it is.</summary>
    public (string Label, float Confidence) Answer(SensorSample reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var logit = (Weights[0] * reading.Temperature) + (Weights[1] * reading.Vibration) + (Weights[2] * reading.Current) + Bias;
        var anomaly = 1 / (1 + MathF.Exp(-logit));
        return anomaly > 0.5f ? ("anomaly", anomaly) : ("normal", 1 - anomaly);
    }
}
