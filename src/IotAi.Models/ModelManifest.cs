using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using IotAi.Protocol;

namespace IotAi.Models;

/// <summary>
/// What the model host must know to feed a model and read its answer: the payload kind it serves, its
/// input (named features for telemetry, a preprocessing recipe for images), its labels and which output
/// holds the scores. A tensor model is called with named tensors instead, and may carry state from one call to the
/// next (<see cref="StatePairs"/>). It travels beside the ONNX file as <c>manifest.json</c>.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";
    public const string OnnxFileName = "model.onnx";

    /// <summary>The most values a telemetry model may read.</summary>
    public const int MaxFeatures = 64;

    /// <summary>How long a device's state for a stateful model lasts without a call, unless the manifest says otherwise.</summary>
    public const int DefaultStateIdleSeconds = 300;

    public required string Name { get; init; }

    public required string Version { get; init; }

    public required PayloadKind Kind { get; init; }

    /// <summary>A classifier's ONNX input, which takes the <c>[batch, features]</c> float tensor; empty for a tensor model.</summary>
    public string Input { get; init; } = "";

    /// <summary>Telemetry value names, in input order; empty for images.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>How an image becomes the input vector; null for telemetry.</summary>
    public ImagePreprocessing? Image { get; init; }

    /// <summary>A classifier's labels, in score order; empty for a tensor model.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The ONNX output that holds a classifier's scores; empty for a tensor model.</summary>
    public string ScoresOutput { get; init; } = "";

    /// <summary>How to read <see cref="ScoresOutput"/>.</summary>
    public ScoreForm ScoreForm { get; init; }

    /// <summary>
    /// A tensor model's state: each pair names an input that the device's grain feeds with what the paired output gave
    /// on the device's previous call (zeros on its first), so a streaming model runs per device with no state on the device.
    /// </summary>
    public IReadOnlyList<StatePair> StatePairs { get; init; } = [];

    /// <summary>How long, in seconds, a device's state lasts without a call before its next one starts afresh; default <see cref="DefaultStateIdleSeconds"/>.</summary>
    public int? StateIdleSeconds { get; init; }

    /// <summary>True for the models that answer with a label (telemetry and image); false for a tensor model.</summary>
    [JsonIgnore]
    public bool IsClassifier => Kind != PayloadKind.Tensor;

    /// <summary>SHA-256 of the ONNX bytes (the head's, for a model on a backbone), hex; the host refuses a file that does not match.</summary>
    public string? Sha256 { get; init; }

    /// <summary>
    /// The pretrained backbone an image model runs before its own graph, which is then a head on the backbone's
    /// embedding; null for a model that is one graph. <see cref="Input"/> is then the backbone's input.
    /// </summary>
    public BackbonePart? Backbone { get; init; }

    /// <summary>Held-out figures measured when the model was made, such as accuracy.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The ONNX graph's inputs as the graph itself declares them; -1 marks a dynamic dimension.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; init; } = [];

    /// <summary>The ONNX graph's outputs as the graph itself declares them.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; init; } = [];

    /// <summary>How the model takes batches, as its import found: a dynamic batch, a fixed one opened, or one sample a call and why.</summary>
    public string? Batching { get; init; }

    /// <summary>Where the model came from; null for a model imported from outside.</summary>
    public ModelLineage? Lineage { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>The number of floats one sample feeds the model.</summary>
    [JsonIgnore]
    public int InputLength => Kind == PayloadKind.Image
        ? (Image ?? throw new InvalidOperationException($"Model {Name} serves images but has no preprocessing.")).InputLength
        : Features.Count;

    /// <summary>
    /// <see cref="ManifestJson"/>'s options with reflection behind them, for writing objects that hold a manifest and
    /// that the context does not know (the API's and the CLI's answers). Manifests themselves go through <see cref="ManifestJson"/>.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(ManifestJson.Default.Options) { TypeInfoResolver = null };

    public static ModelManifest Load(string path)
    {
        using var stream = File.OpenRead(path);
        var manifest = JsonSerializer.Deserialize(stream, ManifestJson.Default.ModelManifest)
            ?? throw new InvalidDataException($"{path} is empty.");
        manifest.Validate(path);
        return manifest;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, ManifestJson.Default.ModelManifest));

    public void Validate(string source)
    {
        if (!IsClassifier)
        {
            ValidateTensorModel(source);
            return;
        }

        if (Labels.Count < 2)
        {
            throw new InvalidDataException($"{source}: a model needs at least two labels.");
        }

        if (Input.Length == 0 || ScoresOutput.Length == 0)
        {
            throw new InvalidDataException($"{source}: a {PayloadKinds.Name(Kind)} model names its input and its scores output.");
        }

        if (StatePairs.Count != 0)
        {
            throw new InvalidDataException($"{source}: only a tensor model carries state.");
        }

        if (Backbone is not null && (Kind != PayloadKind.Image || Backbone.Problem() is not null))
        {
            throw new InvalidDataException($"{source}: {Backbone.Problem() ?? "only an image model runs on a backbone"}.");
        }

        if (Kind == PayloadKind.Telemetry && (Features.Count == 0 || Features.Count > MaxFeatures))
        {
            throw new InvalidDataException($"{source}: a telemetry model needs 1 to {MaxFeatures} features.");
        }

        if (Kind == PayloadKind.Image && Image is null)
        {
            throw new InvalidDataException($"{source}: an image model needs its preprocessing.");
        }

        if (Image?.Problem() is { } problem)
        {
            throw new InvalidDataException($"{source}: the image recipe does not work: {problem}.");
        }

        if (ScoreForm == ScoreForm.BinaryProbability && Labels.Count != 2)
        {
            throw new InvalidDataException($"{source}: a binary probability output needs exactly two labels.");
        }
    }

    /// <summary>A tensor model lists its graph's inputs and outputs, and each state pair joins an input and an output of one type and shape.</summary>
    private void ValidateTensorModel(string source)
    {
        if (Inputs.Count == 0 || Outputs.Count == 0)
        {
            throw new InvalidDataException($"{source}: a tensor model lists its graph's inputs and outputs.");
        }

        if (Backbone is not null)
        {
            throw new InvalidDataException($"{source}: only an image model runs on a backbone.");
        }

        if (StateIdleSeconds is <= 0)
        {
            throw new InvalidDataException($"{source}: stateIdleSeconds must be positive, not {StateIdleSeconds}.");
        }

        foreach (var pair in StatePairs)
        {
            if (pair.Problem(Inputs, Outputs, StatePairs) is { } problem)
            {
                throw new InvalidDataException($"{source}: {problem}.");
            }
        }
    }
}

/// <summary>How a model's scores output is laid out.</summary>
public enum ScoreForm
{
    /// <summary>One probability per label, per sample.</summary>
    Probabilities,

    /// <summary>One probability per sample: that of the second label (binary classifiers).</summary>
    BinaryProbability,
}
