using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>
/// What a user says about an ONNX model from outside, beyond what the graph tells of itself: its name and
/// version, what it serves, its labels, and how to feed it. Leave <see cref="Input"/>, <see cref="ScoresOutput"/>
/// and <see cref="ScoreForm"/> unset to let <see cref="ModelImporter"/> find them in the graph.
/// </summary>
public sealed record OnnxImport
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required PayloadKind Kind { get; init; }

    /// <summary>A classifier's labels, in output order; none for a tensor model.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>For telemetry: the value names, in the order the graph's input expects them.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>For images: how to turn the picture into the input tensor.</summary>
    public ImagePreprocessing? Image { get; init; }

    /// <summary>The input to feed; default: the graph's only input.</summary>
    public string? Input { get; init; }

    /// <summary>The output holding per-label probabilities; default: the float output whose width fits the labels.</summary>
    public string? ScoresOutput { get; init; }

    public ScoreForm? ScoreForm { get; init; }

    /// <summary>For a stateful tensor model: the inputs fed from the outputs of the device's previous call.</summary>
    public IReadOnlyList<StatePair> StatePairs { get; init; } = [];

    /// <summary>For a stateful tensor model: seconds without a call before a device's state starts afresh.</summary>
    public int? StateIdleSeconds { get; init; }

    public ModelLineage? Lineage { get; init; }

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}
