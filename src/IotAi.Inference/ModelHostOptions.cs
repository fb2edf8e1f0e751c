using System.ComponentModel.DataAnnotations;
using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>Where the model host finds its models and how it batches them. Bound from <c>Models</c>.</summary>
public sealed class ModelHostOptions
{
    public const string SectionName = "Models";

    /// <summary>The model registry's directory; each model serves its active version.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>Where a generated signing key is kept when none is configured (see <c>Models:Signing</c>).</summary>
    [Required]
    public string KeysDirectory { get; set; } = "";

    /// <summary>ONNX Runtime threads per session; the batcher, not the session, is the unit of parallelism.</summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Which model serves each payload kind; a kind left out goes to the first model (by name) that serves it.</summary>
    public Dictionary<PayloadKind, string> Routes { get; set; } = [];
}
