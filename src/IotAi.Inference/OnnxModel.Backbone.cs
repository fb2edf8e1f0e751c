using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>A model on a pretrained backbone: the backbone's shared session, then the model's own head.</summary>
public sealed partial class OnnxModel
{
    /// <summary>
    /// The head of a model on a backbone, alone, fed with embeddings (<see cref="BackbonePart.Width"/> floats a sample)
    /// instead of pictures: to score a head on cached embeddings without running the backbone again.
    /// </summary>
    public static OnnxModel HeadOf(ModelManifest manifest, byte[] head) =>
        manifest?.Backbone is null ? throw new ArgumentException("The model runs on no backbone.", nameof(manifest)) : new(manifest, head, 1, null, headOnly: true);

    /// <summary>
    /// Runs the backbone on the batch into a pooled buffer, then the head on that buffer seen as <c>[batch, width]</c>:
    /// the embeddings are written once and read in place.
    /// </summary>
    private IDisposableReadOnlyCollection<OrtValue> RunHead(BackbonePart part, OrtValue input, int batchSize, RunOptions options, IReadOnlyCollection<string>? outputs = null)
    {
        var embeddings = System.Buffers.ArrayPool<float>.Shared.Rent(batchSize * part.Width);
        try
        {
            var memory = embeddings.AsMemory(0, batchSize * part.Width);
            long[] shape = [batchSize, .. _embeddingShape];
            using (var embedded = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape))
            {
                _entry.Run(options, _inputNames, [input], [part.Output], [embedded]);
            }

            using var head = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [batchSize, part.Width]);
            return _session.Run(options, [part.HeadInput], [head], outputs ?? _outputNames);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(embeddings);
        }
    }

    /// <summary>
    /// Checks that the backbone's output gives <see cref="BackbonePart.Width"/> floats per sample and the head takes
    /// <c>[batch, width]</c>; returns the backbone output's dimensions after the batch.
    /// </summary>
    private long[] CheckBackbone(BackbonePart part)
    {
        var name = Manifest.Name;
        if (!_entry.OutputMetadata.TryGetValue(part.Output, out var output) || output.ElementType != typeof(float)
            || output.Dimensions.Skip(1).Aggregate(1L, static (a, d) => a * Math.Max(d, 1)) != part.Width)
        {
            throw new InvalidDataException($"Model {name}: the backbone {part.Name} has no float output '{part.Output}' of {part.Width} values per sample.");
        }

        CheckHead(part);
        return [.. output.Dimensions.Skip(1).Select(static d => (long)Math.Max(d, 1))];
    }

    /// <summary>Checks that the head takes <c>[batch, width]</c> floats.</summary>
    private long[] CheckHead(BackbonePart part)
    {
        if (!_session.InputMetadata.TryGetValue(part.HeadInput, out var head) || head.ElementType != typeof(float) || head.Dimensions is not [_, var width] || width != part.Width)
        {
            throw new InvalidDataException($"Model {Manifest.Name}: the head has no float input '{part.HeadInput}' of [batch, {part.Width}].");
        }

        return [part.Width];
    }
}
