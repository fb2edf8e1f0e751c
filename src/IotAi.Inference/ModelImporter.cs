using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>
/// Turns any ONNX model into a signed registry version: the manifest is filled from the graph's own
/// description of its inputs and outputs plus what the user supplies, and the model must load and answer a
/// sample before it is signed, so nothing that cannot serve gets in.
/// </summary>
public static class ModelImporter
{
    /// <summary>How many samples the batching proof runs together and one by one.</summary>
    public const int BatchProof = 4;

    public static RegisteredModel Import(byte[] onnx, OnnxImport request, ModelSigner signer, ModelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var (manifest, graph) = Prepare(onnx, request);
        return registry.Import(ModelPackage.Create(manifest, graph, signer));
    }

    /// <summary>
    /// The manifest and the graph to sign: <paramref name="onnx"/> as it is, or, when its batch dimension is fixed at
    /// 1, with the batch opened (<see cref="Onnx.BatchDimension"/>) if a batch of <see cref="BatchProof"/> then gives
    /// what as many single runs give. Otherwise the model is served a sample a call. The manifest says which
    /// (<see cref="ModelManifest.Batching"/>).
    /// </summary>
    public static (ModelManifest Manifest, byte[] Onnx) Prepare(byte[] onnx, OnnxImport request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind == PayloadKind.Tensor)
        {
            return (DescribeTensorModel(onnx, request), onnx);
        }

        var manifest = Describe(onnx, request);
        // Describe has loaded the graph, which takes only a batch first that is dynamic (-1) or fixed at 1.
        if (manifest.Inputs.First(i => i.Name == manifest.Input).Shape[0] != 1)
        {
            return (manifest with { Batching = "dynamic batch dimension" }, onnx);
        }

        var opened = Onnx.BatchDimension.Open(onnx);
        var refusal = opened is null ? "no input or output declares the batch" : ProveBatching(manifest, onnx, opened);
        return refusal is null
            ? (Describe(opened!, request) with { Batching = $"batch fixed at 1 in the graph, opened at import: a batch of {BatchProof} matched {BatchProof} single runs" }, opened!)
            : (manifest with { Batching = $"one sample a call: the graph fixes the batch at 1 and it cannot be opened ({refusal})" }, onnx);
    }

    /// <summary>Null when the opened graph gives for a batch what the original gives for each sample alone; else why not.</summary>
    private static string? ProveBatching(ModelManifest manifest, byte[] original, byte[] opened)
    {
        var random = new Random(7);
        var length = manifest.InputLength;
        var labels = manifest.Labels.Count;
        var inputs = new float[length * BatchProof];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = manifest.Image?.ElementType == PixelType.UInt8 ? random.Next(256) : random.NextSingle();
        }

        var single = new float[labels * BatchProof];
        var batched = new float[labels * BatchProof];
        using (var one = new OnnxModel(manifest, original))
        {
            for (var sample = 0; sample < BatchProof; sample++)
            {
                one.Run(inputs.AsMemory(sample * length, length), 1, single.AsSpan(sample * labels, labels));
            }
        }

        try
        {
            using var many = new OnnxModel(manifest, opened);
            many.Run(inputs, BatchProof, batched);
        }
#pragma warning disable CA1031 // Whatever ONNX Runtime makes of the opened graph, the answer is the same: it does not batch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return $"a batch of {BatchProof} fails: {ex.Message.Split('\n')[0]}";
        }

        for (var i = 0; i < single.Length; i++)
        {
            if (Math.Abs(single[i] - batched[i]) > 1e-4f + (1e-4f * Math.Abs(single[i])))
            {
                return $"a batch of {BatchProof} answers sample {i / labels} with {batched[i]} where it alone gets {single[i]}";
            }
        }

        return null;
    }

    /// <summary>
    /// A tensor model's manifest: every input and output as the graph declares them, and the state pairs, after proving
    /// that ONNX Runtime loads the graph and that every input and output is a tensor the gateway can carry. It is not
    /// run: no input is sure to fit a model whose inputs the gateway knows only by shape.
    /// </summary>
    private static ModelManifest DescribeTensorModel(byte[] onnx, OnnxImport request)
    {
        if (request.Labels.Count != 0 || request.Features.Count != 0 || request.Image is not null || request.ScoresOutput is not null)
        {
            throw new InvalidDataException("A tensor model is called with named tensors: labels, features, an image recipe and a scores output are for classifiers.");
        }

        var (inputs, outputs) = OnnxInspector.Describe(onnx);
        var manifest = new ModelManifest
        {
            Name = request.Name,
            Version = request.Version,
            Kind = PayloadKind.Tensor,
            Inputs = inputs,
            Outputs = outputs,
            StatePairs = request.StatePairs,
            StateIdleSeconds = request.StateIdleSeconds,
            Batching = "one request a call: a tensor model is called with whole tensors",
            Lineage = request.Lineage,
            Metrics = request.Metrics,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        manifest.Validate($"model {request.Name} {request.Version}");
        using var model = new OnnxModel(manifest, onnx);
        return manifest;
    }

    /// <summary>The manifest for <paramref name="onnx"/>, after proving that the model loads and answers with it.</summary>
    public static ModelManifest Describe(byte[] onnx, OnnxImport request)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(request);
        if (request.StatePairs.Count != 0)
        {
            throw new InvalidDataException("Only a tensor model carries state: import it with kind tensor.");
        }

        var (inputs, outputs) = OnnxInspector.Describe(onnx);
        var input = request.Input ?? (inputs.Count == 1
            ? inputs[0].Name
            : throw new InvalidDataException($"The model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); name the one to feed."));
        string? rejected = null;
        foreach (var (scores, form) in ScoreCandidates(outputs, request))
        {
            var manifest = new ModelManifest
            {
                Name = request.Name,
                Version = request.Version,
                Kind = request.Kind,
                Input = input,
                Features = request.Features,
                Image = request.Image,
                Labels = request.Labels,
                ScoresOutput = scores,
                ScoreForm = form,
                Inputs = inputs,
                Outputs = outputs,
                Lineage = request.Lineage,
                Metrics = request.Metrics,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            manifest.Validate($"model {request.Name} {request.Version}");
            using var model = new OnnxModel(manifest, onnx);
            rejected = NotProbabilities(model);
            if (rejected is null)
            {
                return manifest;
            }
        }

        throw new InvalidDataException(rejected is null
            ? $"No output holds one float per label ({request.Labels.Count}) per sample; name the scores output.{BackboneHint(outputs)}"
            : $"No output fits as the scores: {rejected}.");
    }

    /// <summary>
    /// A graph whose output is a wide vector per sample (a pretrained backbone's embedding, such as ResNet18's 512) is
    /// no classifier: it says so, instead of leaving the user to guess why no output fits the labels.
    /// </summary>
    private static string BackboneHint(IReadOnlyList<TensorSpec> outputs)
    {
        var embedding = outputs.Where(static o => o.ElementType == "float32" && o.Shape.Count >= 2)
            .Select(static o => (o.Name, Width: o.Shape.Skip(1).Aggregate(1L, static (a, d) => a * Math.Max(d, 1))))
            .Where(static o => o.Width >= EmbeddingWidth)
            .OrderByDescending(static o => o.Width)
            .FirstOrDefault();
        return embedding.Name is null
            ? string.Empty
            : $" Output '{embedding.Name}' gives {embedding.Width} values per sample, an embedding: this graph is a backbone, not a classifier. "
                + "To serve it, give it a head whose output has one score per label.";
    }

    /// <summary>Outputs at least this wide per sample are taken for embeddings rather than scores.</summary>
    private const int EmbeddingWidth = 64;

    /// <summary>
    /// Outputs whose shape fits the labels, the named one alone if the user named one. Where several fit, one
    /// named like a probability comes first: raw scores and pass-through copies of the input fit by shape too.
    /// </summary>
    private static IEnumerable<(string Output, ScoreForm Form)> ScoreCandidates(IReadOnlyList<TensorSpec> outputs, OnnxImport request)
    {
        var labels = request.Labels.Count;
        ScoreForm? FormOf(TensorSpec output)
        {
            if (output.ElementType != "float32" || output.Shape.Count < 1)
            {
                return null;
            }

            var width = output.Shape.Skip(1).Aggregate(1L, static (a, d) => a * Math.Max(d, 1));
            return width == labels ? ScoreForm.Probabilities : width == 1 && labels == 2 ? ScoreForm.BinaryProbability : null;
        }

        if (request.ScoresOutput is { } named)
        {
            var output = outputs.FirstOrDefault(o => o.Name == named)
                ?? throw new InvalidDataException($"The model has no output '{named}' (it has {string.Join(", ", outputs.Select(o => o.Name))}).");
            return [(named, request.ScoreForm ?? FormOf(output)
                ?? throw new InvalidDataException($"Output '{named}' does not hold one float per label ({labels}) per sample."))];
        }

        return outputs.Where(o => FormOf(o) is { } f && (request.ScoreForm is null || f == request.ScoreForm))
            .OrderByDescending(static o => o.Name.Contains("prob", StringComparison.OrdinalIgnoreCase))
            .Select(o => (o.Name, FormOf(o)!.Value));
    }

    /// <summary>Null if the scores output gives probabilities for a blank and a random sample; else why not.</summary>
    private static string? NotProbabilities(OnnxModel model)
    {
        var manifest = model.Manifest;
        var random = new Random(1);
        var inputs = new float[manifest.InputLength * 2];
        for (var i = manifest.InputLength; i < inputs.Length; i++)
        {
            inputs[i] = random.NextSingle();
        }

        var labels = manifest.Labels.Count;
        var scores = new float[labels * 2];
        for (var sample = 0; sample < 2; sample++)
        {
            model.Run(inputs.AsMemory(sample * manifest.InputLength, manifest.InputLength), 1, scores.AsSpan(sample * labels, labels));
            var row = scores.AsSpan(sample * labels, labels);
            var sum = 0f;
            foreach (var p in row)
            {
                if (!float.IsFinite(p) || p < -1e-4f || p > 1.0001f)
                {
                    return $"'{manifest.ScoresOutput}' gave {p}, which is no probability";
                }

                sum += p;
            }

            if (Math.Abs(sum - 1f) > 0.01f)
            {
                return $"the values of '{manifest.ScoresOutput}' add up to {sum}, not 1";
            }
        }

        return null;
    }
}
