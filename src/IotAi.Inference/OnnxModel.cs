using IotAi.Models;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>
/// One ONNX Runtime session for one model version. <see cref="Run"/> takes a whole batch laid out row after
/// row in a caller's (pooled) buffer and wraps it in an <see cref="OrtValue"/> without copying.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public OnnxModel(ModelManifest manifest, byte[] onnx, int intraOpThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(onnx);
        var hash = Convert.ToHexStringLower(SHA256.HashData(onnx));
        if (manifest.Sha256 is not null && !string.Equals(manifest.Sha256, hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"Model {manifest.Name} {manifest.Version}: the ONNX file's SHA-256 is {hash}, the manifest says {manifest.Sha256}.");
        }

        Manifest = manifest;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = OnnxInspector.Open(onnx, options);
        CheckSignature();
        _inputNames = [manifest.Input];
        _outputNames = [manifest.ScoresOutput];
    }

    public ModelManifest Manifest { get; }

    /// <summary>
    /// Runs <paramref name="batchSize"/> samples from <paramref name="inputs"/> and writes one probability per
    /// label per sample into <paramref name="scores"/>.
    /// </summary>
    public void Run(Memory<float> inputs, int batchSize, Span<float> scores)
    {
        var inputLength = Manifest.InputLength;
        var labels = Manifest.Labels.Count;
        if (inputs.Length < batchSize * inputLength || scores.Length < batchSize * labels)
        {
            throw new ArgumentException("The buffers are smaller than the batch.");
        }

        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, inputs[..(batchSize * inputLength)], [batchSize, inputLength]);
        using var outputs = _session.Run(_runOptions, _inputNames, [input], _outputNames);
        var raw = outputs[0].GetTensorDataAsSpan<float>();
        if (Manifest.ScoreForm == ScoreForm.BinaryProbability)
        {
            for (var i = 0; i < batchSize; i++)
            {
                var p = Math.Clamp(raw[i], 0f, 1f);
                scores[i * 2] = 1f - p;
                scores[(i * 2) + 1] = p;
            }
        }
        else
        {
            raw[..(batchSize * labels)].CopyTo(scores);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private void CheckSignature()
    {
        if (!_session.InputMetadata.TryGetValue(Manifest.Input, out var input))
        {
            throw new InvalidDataException($"Model {Manifest.Name}: the ONNX graph has no input '{Manifest.Input}' (it has {string.Join(", ", _session.InputMetadata.Keys)}).");
        }

        if (_session.InputMetadata.Count != 1)
        {
            throw new InvalidDataException($"Model {Manifest.Name}: the ONNX graph must take only '{Manifest.Input}', it takes {string.Join(", ", _session.InputMetadata.Keys)}.");
        }

        var dims = input.Dimensions;
        if (input.ElementType != typeof(float) || dims.Length != 2 || dims[0] != -1 || dims[1] != Manifest.InputLength)
        {
            throw new InvalidDataException($"Model {Manifest.Name}: input '{Manifest.Input}' must be float[-1, {Manifest.InputLength}], it is {input.ElementType.Name}[{string.Join(", ", dims)}].");
        }

        if (!_session.OutputMetadata.ContainsKey(Manifest.ScoresOutput))
        {
            throw new InvalidDataException($"Model {Manifest.Name}: the ONNX graph has no output '{Manifest.ScoresOutput}'.");
        }
    }
}
