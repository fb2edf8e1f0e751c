using IotAi.Inference.Onnx;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Inference.Tests;

/// <summary>
/// A real published graph, the ImageNet ResNet18 that ML.NET's image featurizer package ships (restored with the
/// tests, never committed): its batch is fixed at 1 and its output is a 512-wide embedding.
/// </summary>
public sealed class PublishedBackboneTests
{
    private static readonly byte[] ResNet18 = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Backbones", "ResNet18.onnx"));

    [Fact]
    public void ResNet18_offered_as_a_classifier_is_refused_as_the_backbone_it_is()
    {
        var refusal = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(ResNet18, new OnnxImport
        {
            Name = "resnet18",
            Version = "1",
            Kind = PayloadKind.Image,
            Labels = ["cat", "dog", "bird"],
            Image = ImagePreprocessing.ImageNet(),
        }));

        Assert.Contains("gives 512 values per sample, an embedding: this graph is a backbone", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResNet18_opened_answers_a_batch_of_three_as_it_answers_each_alone()
    {
        var opened = BatchDimension.Open(ResNet18)!;
        using var original = new InferenceSession(ResNet18);
        using var batched = new InferenceSession(opened);
        var input = original.InputMetadata.Single();
        Assert.Equal([1, 3, 224, 224], input.Value.Dimensions);
        var output = original.OutputMetadata.Keys.Single();
        const int Batch = 3;
        const int Length = 3 * 224 * 224;
        var random = new Random(11);
        var images = Enumerable.Range(0, Batch * Length).Select(_ => (random.NextSingle() * 4) - 2).ToArray();

        using var together = batched.Run(new RunOptions(), [input.Key], [OrtValue.CreateTensorValueFromMemory(images, [Batch, 3, 224, 224])], [output]);
        var embeddings = together[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(Batch * 512, embeddings.Length);
        for (var sample = 0; sample < Batch; sample++)
        {
            using var alone = original.Run(new RunOptions(), [input.Key], [OrtValue.CreateTensorValueFromMemory(images[(sample * Length)..((sample + 1) * Length)], [1, 3, 224, 224])], [output]);
            var single = alone[0].GetTensorDataAsSpan<float>();
            for (var i = 0; i < 512; i++)
            {
                Assert.True(Math.Abs(single[i] - embeddings[(sample * 512) + i]) <= 1e-3f + (1e-3f * Math.Abs(single[i])),
                    $"sample {sample}, value {i}: alone {single[i]}, in the batch {embeddings[(sample * 512) + i]}");
            }
        }
    }
}
