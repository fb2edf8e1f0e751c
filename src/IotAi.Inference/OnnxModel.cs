using IotAi.Models;
using IotAi.Protocol;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace IotAi.Inference;

/// <summary>
/// One ONNX Runtime session for one model version. <see cref="Run(Memory{float}, int, Span{float})"/> takes a classifier's whole batch laid out row
/// after row in a caller's (pooled) buffer and wraps it in an <see cref="OrtValue"/> without copying;
/// <see cref="RunTensors"/> calls any model with named tensors. A model on a backbone runs the backbone's session,
/// shared with every version on the same backbone (<see cref="SharedBackbones"/>), then its own head on the embeddings.
/// </summary>
public sealed partial class OnnxModel : IDisposable
{
    // The model's own graph: the whole model, or the head on a backbone's embedding.
    private readonly InferenceSession _session;

    // The session a sample enters: the backbone's when there is one, else the model's own.
    private readonly InferenceSession _entry;

    // The shared backbone session this model holds, to give back once; null for a model that is one graph.
    private string? _backboneKey;
    private readonly long[] _embeddingShape = [];
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;

    // True for a head fed with embeddings (HeadOf); its one sample is an embedding, not a picture.
    private readonly bool _headOnly;

    // Floats one sample feeds Run: the manifest's input length, or the embedding's width for a head alone.
    private readonly int _inputLength;
    private readonly string[] _outputNames;

    // The input's dimensions after the batch one, e.g. [3] for features or [1, 32, 32] for an NCHW image.
    private readonly long[] _sampleShape;

    /// <summary>Loads a verified package: its graph, and its backbone when it runs on one.</summary>
    public OnnxModel(ModelPackage package, int intraOpThreads = 1)
        : this(package?.Manifest!, package!.Onnx, intraOpThreads, package.Backbone)
    {
    }

    /// <param name="manifest">How to feed the model and read it.</param>
    /// <param name="onnx">The model's graph, or its head when the manifest names a backbone.</param>
    /// <param name="intraOpThreads">ONNX Runtime's threads per call.</param>
    /// <param name="backbone">The backbone's graph, for a model on one; used only if no version has that backbone open yet.</param>
    public OnnxModel(ModelManifest manifest, byte[] onnx, int intraOpThreads = 1, byte[]? backbone = null)
        : this(manifest, onnx, intraOpThreads, backbone, headOnly: false)
    {
    }

    private OnnxModel(ModelManifest manifest, byte[] onnx, int intraOpThreads, byte[]? backbone, bool headOnly)
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
        try
        {
            _headOnly = headOnly;
            if (manifest.Backbone is { } part && !headOnly)
            {
                (_entry, _backboneKey) = SharedBackbones.Acquire(part.Sha256, backbone ?? throw new InvalidDataException($"Model {manifest.Name} {manifest.Version} runs on the backbone {part.Name}, which was not given."), options);
            }
            else
            {
                _entry = _session;
            }
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }

        try
        {
            Signature = new TensorSignature(_entry, _session, manifest.Name, strict: !manifest.IsClassifier);
            if (headOnly)
            {
                var part = manifest.Backbone!;
                _embeddingShape = CheckHead(part);
                (_sampleShape, MaxBatchSize, _inputLength) = ([part.Width], int.MaxValue, part.Width);
            }
            else
            {
                (_sampleShape, MaxBatchSize) = manifest.IsClassifier ? CheckSignature() : ([], 1);
                _embeddingShape = manifest.Backbone is { } part ? CheckBackbone(part) : [];
                _inputLength = manifest.IsClassifier ? manifest.InputLength : 0;
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _inputNames = [headOnly ? manifest.Backbone!.HeadInput : manifest.Input];
        _outputNames = [manifest.ScoresOutput];
        _stateInputs = manifest.StatePairs.Select(static p => p.Input).ToHashSet(StringComparer.Ordinal);
    }

    public ModelManifest Manifest { get; }

    /// <summary>The graph's inputs and outputs as callers of <see cref="RunTensors"/> must meet them.</summary>
    internal TensorSignature Signature { get; }

    // The inputs a call may leave out, which then start from zeros: a stateful model's state.
    private readonly HashSet<string> _stateInputs;

    /// <summary>The most samples one call takes: unlimited (<see cref="int.MaxValue"/>) for a dynamic batch dimension, 1 for a fixed one.</summary>
    public int MaxBatchSize { get; }

    /// <summary>
    /// Runs <paramref name="batchSize"/> samples from <paramref name="inputs"/> and writes one probability per
    /// label per sample into <paramref name="scores"/>.
    /// </summary>
    public void Run(Memory<float> inputs, int batchSize, Span<float> scores) => Run(inputs, batchSize, scores, _runOptions);

    /// <summary>
    /// Gives back what ONNX Runtime's memory arenas hold beyond what a run needs now. The arenas keep the largest
    /// batch's intermediate tensors for good (a batch of 32 camera frames through ResNet18 takes over 100 MB), and
    /// shrink only at the end of a run that asks them to: so one run of a single zero sample asks, for the model's
    /// session and its backbone's. Nothing to give back costs one small run.
    /// </summary>
    public void ReleaseArena()
    {
        var labels = Manifest.Labels.Count;
        if (_inputLength == 0 || labels == 0)
        {
            return;
        }

        using var shrink = new RunOptions();
        shrink.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        Run(new float[_inputLength], 1, new float[Math.Max(2, labels)], shrink);
    }

    private void Run(Memory<float> inputs, int batchSize, Span<float> scores, RunOptions options)
    {
        var inputLength = _inputLength;
        var labels = Manifest.Labels.Count;
        if (inputs.Length < batchSize * inputLength || scores.Length < batchSize * labels)
        {
            throw new ArgumentException("The buffers are smaller than the batch.");
        }

        if (batchSize > MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Model {Manifest.Name} takes at most {MaxBatchSize} samples a call.");
        }

        using var input = Input(inputs[..(batchSize * inputLength)], batchSize);
        using var outputs = Manifest.Backbone is { } part && !_headOnly ? RunHead(part, input.Value, batchSize, options) : _session.Run(options, _inputNames, [input.Value], _outputNames);
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

    /// <summary>
    /// The batch as the graph's input tensor: the caller's floats as they are, or, for a uint8 image input, the same
    /// 0–255 values as bytes in a pooled buffer, given back when the input is disposed.
    /// </summary>
    private BatchInput Input(Memory<float> values, int batchSize)
    {
        long[] shape = [batchSize, .. _sampleShape];
        if (_headOnly || Manifest.Image?.ElementType != PixelType.UInt8)
        {
            return new BatchInput(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values, shape), null);
        }

        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(values.Length);
        var source = values.Span;
        for (var i = 0; i < source.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp(MathF.Round(source[i]), 0f, 255f);
        }

        return new BatchInput(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, bytes.AsMemory(0, values.Length), shape), bytes);
    }

    /// <summary>An input tensor and the pooled bytes under it, if any: the tensor goes first, then the bytes back to the pool.</summary>
    private readonly struct BatchInput(OrtValue value, byte[]? bytes) : IDisposable
    {
        public OrtValue Value { get; } = value;

        public void Dispose()
        {
            Value.Dispose();
            if (bytes is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        // Given back once however often this is disposed: a second release would close the session under other versions.
        if (Interlocked.Exchange(ref _backboneKey, null) is { } key)
        {
            SharedBackbones.Release(key);
        }

        _runOptions.Dispose();
    }

    /// <summary>
    /// Checks that the graph takes one float tensor whose first dimension is the batch (dynamic, or fixed at 1)
    /// and whose other dimensions hold exactly the manifest's input length, and that the scores output exists.
    /// </summary>
    private (long[] SampleShape, int MaxBatchSize) CheckSignature()
    {
        var name = Manifest.Name;
        if (!_entry.InputMetadata.TryGetValue(Manifest.Input, out var input))
        {
            throw new InvalidDataException($"Model {name}: the ONNX graph has no input '{Manifest.Input}' (it has {string.Join(", ", _entry.InputMetadata.Keys)}).");
        }

        if (_entry.InputMetadata.Count != 1)
        {
            throw new InvalidDataException($"Model {name}: the ONNX graph must take only '{Manifest.Input}', it takes {string.Join(", ", _entry.InputMetadata.Keys)}.");
        }

        var dims = input.Dimensions;
        var sample = SampleShapeOf(dims);
        var expected = Manifest.InputLength;
        var type = Manifest.Image?.ElementType == PixelType.UInt8 ? typeof(byte) : typeof(float);
        if (input.ElementType != type || dims.Length < 2 || dims[0] is not (-1 or 1) || sample.Any(static d => d <= 0) || sample.Aggregate(1L, static (a, d) => a * d) != expected)
        {
            throw new InvalidDataException(
                $"Model {name}: input '{Manifest.Input}' must be {(type == typeof(byte) ? "uint8" : "float32")} with a batch dimension first and {expected} values per sample, it is {input.ElementType.Name}[{string.Join(", ", dims)}].");
        }

        if (!_session.OutputMetadata.TryGetValue(Manifest.ScoresOutput, out var scores))
        {
            throw new InvalidDataException($"Model {name}: the ONNX graph has no output '{Manifest.ScoresOutput}' (it has {string.Join(", ", _session.OutputMetadata.Keys)}).");
        }

        var perSample = Manifest.ScoreForm == ScoreForm.BinaryProbability ? 1 : Manifest.Labels.Count;
        if (scores.ElementType != typeof(float) || scores.Dimensions.Skip(1).Aggregate(1, static (a, d) => a * Math.Max(d, 1)) != perSample)
        {
            throw new InvalidDataException(
                $"Model {name}: output '{Manifest.ScoresOutput}' must hold {perSample} float score(s) per sample, it is {scores.ElementType.Name}[{string.Join(", ", scores.Dimensions)}].");
        }

        return (sample, dims[0] == -1 ? int.MaxValue : 1);
    }

    /// <summary>
    /// The input's dimensions after the batch: the graph's own, with an image input's dynamic ones (height and width
    /// left open, say) filled from the recipe. A four-dimensional image input must match the recipe's layout exactly.
    /// </summary>
    private long[] SampleShapeOf(int[] dims)
    {
        var sample = dims.Skip(1).Select(static d => (long)d).ToArray();
        if (Manifest.Image is not { } image || sample.Length != 3)
        {
            return sample;
        }

        var recipe = image.SampleShape.Skip(1).ToArray();
        for (var i = 0; i < 3; i++)
        {
            if (sample[i] > 0 && sample[i] != recipe[i])
            {
                var axis = image.Layout == TensorLayout.Nchw ? new[] { "channels", "height", "width" }[i] : new[] { "height", "width", "channels" }[i];
                throw new InvalidDataException(
                    $"Model {Manifest.Name}: input '{Manifest.Input}' is [{string.Join(", ", dims)}], but the image recipe ({image.Layout.ToString().ToUpperInvariant()}) gives [{string.Join(", ", image.SampleShape)}]: "
                    + $"the {axis} dimension is {sample[i]}, not {recipe[i]}.");
            }
        }

        return recipe;
    }


}
