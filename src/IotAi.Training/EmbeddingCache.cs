using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using IotAi.Inference;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>
/// A backbone's embedding of each image, computed once and kept on disk, so training a head again never runs the backbone
/// again on an image it has seen. An entry is named by the backbone's hash, the recipe that fed it and the image's own
/// hash, so another backbone, another recipe or another picture never finds a stale one.
/// </summary>
public sealed class EmbeddingCache(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Embeddings read from the cache, and computed, since this instance was made.</summary>
    public (int Hits, int Computed) Counts => (_hits, _computed);

    private int _hits;
    private int _computed;

    /// <summary>
    /// The embedding of each image in <paramref name="images"/> (encoded bytes), from the cache or computed in batches of
    /// <paramref name="batchSize"/>; null for an image that cannot be read, with the reason in <paramref name="errors"/>.
    /// The backbone is opened only when an embedding is missing: from <paramref name="embedder"/>, which the caller keeps
    /// open across calls and disposes, or else for this call alone.
    /// </summary>
    public float[]?[] Embed(IReadOnlyList<byte[]> images, PretrainedBackbone backbone, ImagePreprocessing recipe, string?[] errors, Lazy<Embedder>? embedder = null, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(recipe);
        var folder = Path.Combine(Directory, $"{backbone.Sha256[..16]}-{RecipeKey(recipe)}");
        System.IO.Directory.CreateDirectory(folder);
        var embeddings = new float[]?[images.Count];
        var missing = new List<int>();
        for (var i = 0; i < images.Count; i++)
        {
            var path = Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(images[i])) + ".f32");
            if (File.Exists(path) && File.ReadAllBytes(path) is { } bytes && bytes.Length == backbone.Width * sizeof(float))
            {
                embeddings[i] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                _hits++;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count == 0)
        {
            return embeddings;
        }

        using var own = embedder is null ? backbone.OpenEmbedder(intraOpThreads: Environment.ProcessorCount) : null;
        var missingErrors = new string?[missing.Count];
        var computed = (own ?? embedder!.Value).EmbedImages([.. missing.Select(i => images[i])], recipe, missingErrors, batchSize);
        for (var m = 0; m < missing.Count; m++)
        {
            var i = missing[m];
            errors[i] = missingErrors[m];
            if (computed[m] is not { } embedding)
            {
                continue;
            }

            embeddings[i] = embedding;
            var path = Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(images[i])) + ".f32");
            // Written aside, under a name no other writer uses, and moved in, so a reader never finds half an embedding.
            var aside = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(aside, MemoryMarshal.AsBytes(embedding.AsSpan()).ToArray());
            File.Move(aside, path, overwrite: true);
            _computed++;
        }

        return embeddings;
    }

    /// <summary>A short hash of the recipe, which decides what the backbone sees.</summary>
    private static string RecipeKey(ImagePreprocessing recipe) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(recipe, ModelManifest.JsonOptions))))[..12];
}
