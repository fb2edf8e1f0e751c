using System.Security.Cryptography;
using IotAi.Models;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference;

/// <summary>
/// A pretrained image backbone ready to carry heads: its graph with the batch opened (a graph published with its batch
/// fixed at 1, as ResNet18 is, is opened once, the same way every time, so every head on it names the same bytes), its
/// one input and the output that gives the embedding.
/// </summary>
public sealed class PretrainedBackbone
{
    /// <summary>Where the build puts ResNet18, from the <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package, beside the program.</summary>
    public static string ResNet18Path => Path.Combine(AppContext.BaseDirectory, "Backbones", "ResNet18.onnx");

    private PretrainedBackbone(string name, byte[] onnx, string input, string output, int width, long[] inputShape)
    {
        Name = name;
        Onnx = onnx;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx));
        Input = input;
        Output = output;
        Width = width;
        InputShape = inputShape;
    }

    public string Name { get; }

    /// <summary>The graph, its batch open.</summary>
    public byte[] Onnx { get; }

    public string Sha256 { get; }

    public string Input { get; }

    public string Output { get; }

    /// <summary>Values in one embedding.</summary>
    public int Width { get; }

    /// <summary>The input's dimensions after the batch, such as <c>[3, 224, 224]</c>.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>ImageNet's ResNet18, as the build placed it (<see cref="ResNet18Path"/>).</summary>
    public static PretrainedBackbone ResNet18() => File.Exists(ResNet18Path)
        ? FromOnnx("resnet18", File.ReadAllBytes(ResNet18Path))
        : throw new FileNotFoundException($"ResNet18 is not beside the program ({ResNet18Path}); it comes from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package at build.");

    /// <summary>Reads a backbone: one float image input and one float output, the embedding, of any width.</summary>
    public static PretrainedBackbone FromOnnx(string name, byte[] onnx)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var opened = IotAi.Inference.Onnx.BatchDimension.Open(onnx) ?? onnx;
        using var session = OnnxInspector.Open(opened);
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            throw new InvalidDataException($"A backbone takes one input and gives one output, the embedding; {name} takes {session.InputMetadata.Count} and gives {session.OutputMetadata.Count}.");
        }

        var (input, inputMeta) = session.InputMetadata.Single();
        var (output, outputMeta) = session.OutputMetadata.Single();
        if (inputMeta.ElementType != typeof(float) || outputMeta.ElementType != typeof(float) || inputMeta.Dimensions is not [-1, _, _, _] || outputMeta.Dimensions is not [-1, ..])
        {
            throw new InvalidDataException($"A backbone takes float images [batch, c, h, w] and gives float embeddings [batch, …]; {name} takes [{string.Join(", ", inputMeta.Dimensions)}] and gives [{string.Join(", ", outputMeta.Dimensions)}].");
        }

        var width = outputMeta.Dimensions.Skip(1).Aggregate(1, static (a, d) => a * Math.Max(d, 1));
        return new PretrainedBackbone(name, opened, input, output, width, [.. inputMeta.Dimensions.Skip(1).Select(static d => (long)d)]);
    }

    /// <summary>The part a model on this backbone carries in its manifest, its head taking <paramref name="headInput"/>.</summary>
    public BackbonePart Part(string headInput) => new(Name, Sha256, Onnx.LongLength, Output, Width, headInput);

    /// <summary>A session to compute embeddings with, shared with any model version on this backbone in the process.</summary>
    public Embedder OpenEmbedder(int intraOpThreads = 1) => new(this, intraOpThreads);
}

/// <summary>Computes a backbone's embeddings for batches of preprocessed images, on the process's shared session of it.</summary>
public sealed class Embedder : IDisposable
{
    private readonly PretrainedBackbone _backbone;
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private string? _key;

    internal Embedder(PretrainedBackbone backbone, int intraOpThreads)
    {
        _backbone = backbone;
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            (_session, _key) = SharedBackbones.Acquire(backbone.Sha256, backbone.Onnx, options);
        }
        catch
        {
            _run.Dispose();
            throw;
        }
    }

    /// <summary>Floats one image feeds the backbone.</summary>
    public int InputLength => (int)_backbone.InputShape.Aggregate(1L, static (a, d) => a * d);

    /// <summary>Writes the embeddings of the <paramref name="count"/> images in <paramref name="images"/> into <paramref name="embeddings"/>, one row each.</summary>
    public void Embed(Memory<float> images, int count, Memory<float> embeddings)
    {
        if (images.Length < count * InputLength || embeddings.Length < count * _backbone.Width)
        {
            throw new ArgumentException("The buffers are smaller than the batch.");
        }

        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images[..(count * InputLength)], [count, .. _backbone.InputShape]);
        using var output = _session.Run(_run, [_backbone.Input], [input], [_backbone.Output]);
        output[0].GetTensorDataAsSpan<float>()[..(count * _backbone.Width)].CopyTo(embeddings.Span);
    }

    /// <summary>
    /// The embedding of each encoded image in <paramref name="images"/>, read with <paramref name="recipe"/> and run in
    /// batches of <paramref name="batchSize"/>; null for an image that cannot be read, with the reason in <paramref name="errors"/>.
    /// </summary>
    public float[]?[] EmbedImages(IReadOnlyList<byte[]> images, ImagePreprocessing recipe, string?[] errors, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(errors);
        var embeddings = new float[]?[images.Count];
        var pixels = new float[batchSize * InputLength];
        var computed = new float[batchSize * _backbone.Width];
        var batch = new List<int>(batchSize);
        for (var start = 0; start < images.Count; start += batchSize)
        {
            batch.Clear();
            for (var i = start; i < Math.Min(start + batchSize, images.Count); i++)
            {
                errors[i] = ImagePreprocessor.TryPreprocessAnyFormat(images[i], recipe, pixels.AsSpan(batch.Count * InputLength, InputLength));
                if (errors[i] is null)
                {
                    batch.Add(i);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            Embed(pixels, batch.Count, computed);
            for (var b = 0; b < batch.Count; b++)
            {
                embeddings[batch[b]] = computed.AsSpan(b * _backbone.Width, _backbone.Width).ToArray();
            }
        }

        return embeddings;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _key, null) is { } key)
        {
            SharedBackbones.Release(key);
        }

        _run.Dispose();
    }
}
