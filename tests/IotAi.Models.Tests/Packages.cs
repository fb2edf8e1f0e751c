using IotAi.Protocol;

namespace IotAi.Models.Tests;

internal static class Packages
{
    public static ModelManifest Manifest(string name = "sensor", string version = "1") => new()
    {
        Name = name,
        Version = version,
        Kind = PayloadKind.Telemetry,
        Input = "Features",
        Features = ["temperature", "vibration"],
        Labels = ["normal", "anomaly"],
        ScoresOutput = "Probability",
        ScoreForm = ScoreForm.BinaryProbability,
        Lineage = new ModelLineage("0", "run-7", "snapshot-3"),
    };

    /// <summary>An image model on a backbone; <see cref="ModelPackage.Create"/> fills in the backbone's hash and size.</summary>
    public static ModelManifest OnBackbone(string version) => new()
    {
        Name = "parts",
        Version = version,
        Kind = PayloadKind.Image,
        Input = "input",
        Image = ImagePreprocessing.ImageNet(),
        Labels = ["good", "scratched"],
        ScoresOutput = "Score.output",
        ScoreForm = ScoreForm.Probabilities,
        Backbone = new BackbonePart("resnet18", new string('0', 64), 0, "embedding", 512, "Features"),
    };

    /// <summary>Stand-in ONNX bytes: packages and the registry never parse the graph.</summary>
    public static byte[] Onnx(byte seed = 1) => [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * seed))];

    public static byte[] ToBytes(ModelPackage package)
    {
        using var stream = new MemoryStream();
        package.WriteTo(stream);
        return stream.ToArray();
    }

    public static ModelPackage FromBytes(byte[] bytes) => ModelPackage.Read(new MemoryStream(bytes));
}
