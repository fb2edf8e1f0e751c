using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using IotAi.Inference;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>
/// Labelled examples from a user's own data (a folder of images, a CSV of sensor windows), ready to train a new
/// model on: the labels in index order, what the model will read (named values, or an image recipe), and what
/// could not be read.
/// </summary>
/// <param name="Source">What the data was, for the model's lineage: <c>folder:{name}</c> or <c>csv:{file}</c>.</param>
/// <param name="Labels">The labels; an example's label index points into them.</param>
/// <param name="Features">The telemetry values the model reads, in input order; empty for images.</param>
/// <param name="Image">How images become the input; null for telemetry.</param>
/// <param name="Examples">Every example that could be read.</param>
/// <param name="Skipped">What was left out, and why.</param>
/// <param name="Backbone">The pretrained backbone whose embeddings the rows are, for transfer learning; null when the rows are the model's own input.</param>
public sealed record LabelledDataset(
    string Source,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Features,
    ImagePreprocessing? Image,
    IReadOnlyList<DatasetExample> Examples,
    IReadOnlyList<SkippedInput> Skipped,
    PretrainedBackbone? Backbone = null)
{
    /// <summary>A digest of every example's id, label and input: the same data gives the same digest, whatever its order.</summary>
    public string Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var example in Examples.OrderBy(static e => e.Id, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{example.Id}\t{Labels[example.Row.LabelIndex]}\n"));
            hash.AppendData(MemoryMarshal.AsBytes(example.Row.Features.AsSpan()));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}

/// <summary>One example: the id that decides its side of the split (an image's path below the folder, a CSV row's text), and the row.</summary>
public sealed record DatasetExample(string Id, LabelledRow Row);

/// <summary>An input left out of training: where it is (an image's path below the folder), and why.</summary>
public sealed record SkippedInput(string Where, string Reason);
