using System.ComponentModel.DataAnnotations;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Options;

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

    /// <summary>Whether an empty registry is given the models the gateway ships with on first start; off for operators who bring their own.</summary>
    public bool InstallShipped { get; set; } = true;

    /// <summary>
    /// Which form of the shipped image model that first start installs: the head on ResNet18 (the default, about 40 ms a
    /// frame on one core and 120 MB of memory for the backbone), or the small model on raw pixels.
    /// </summary>
    public ShippedImageModel ShippedImageModel { get; set; } = ShippedImageModel.ResNet18;

    /// <summary>ONNX Runtime threads per session; the batcher, not the session, is the unit of parallelism.</summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>The batching every model gets unless <see cref="ModelBatching"/> names it; its limits are checked on start too.</summary>
    [ValidateObjectMembers]
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Batching for particular models, by model name (<c>Models:ModelBatching:{name}:MaxBatchSize</c>).</summary>
    public Dictionary<string, BatchingOptions> ModelBatching { get; set; } = [];

    /// <summary>How often the host looks for promotions in the registry; a promoted version serves within this.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A version that is not active and has had no request for this long is unloaded.</summary>
    public TimeSpan IdleUnloadAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Which model serves each payload kind. A kind left out goes to the model of that kind registered first, so
    /// importing another model never moves devices' traffic by itself.
    /// </summary>
    public Dictionary<PayloadKind, string> Routes { get; set; } = [];
}
