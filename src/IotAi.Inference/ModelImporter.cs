using IotAi.Models;

namespace IotAi.Inference;

/// <summary>
/// Turns any ONNX model into a signed registry version: the manifest is filled from the graph's own
/// description of its inputs and outputs plus what the user supplies, and the model must load and answer a
/// sample before it is signed, so nothing that cannot serve gets in.
/// </summary>
public static class ModelImporter
{
    public static RegisteredModel Import(byte[] onnx, OnnxImport request, ModelSigner signer, ModelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Import(ModelPackage.Create(Describe(onnx, request), onnx, signer));
    }

    /// <summary>The manifest for <paramref name="onnx"/>, after proving that the model loads and answers with it.</summary>
    public static ModelManifest Describe(byte[] onnx, OnnxImport request)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(request);
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
            ? $"No output holds one float per label ({request.Labels.Count}) per sample; name the scores output."
            : $"No output fits as the scores: {rejected}.");
    }

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
