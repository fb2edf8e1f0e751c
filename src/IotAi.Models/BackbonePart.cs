namespace IotAi.Models;

/// <summary>
/// The pretrained backbone a model runs before its own graph (the head): an ONNX graph stored and shipped as a part
/// of its own, by its SHA-256, so that every head trained on it shares one copy on disk, on the wire and in memory.
/// The signed manifest carries its hash, so one signature covers the backbone, the head and the recipe.
/// </summary>
/// <param name="Name">What the backbone is, for people: <c>resnet18</c>.</param>
/// <param name="Sha256">SHA-256 of the backbone's ONNX bytes, hex.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Output">The backbone output that gives the embedding, such as <c>[batch, 512, 1, 1]</c>.</param>
/// <param name="Width">Values in one embedding: 512 for ResNet18.</param>
/// <param name="HeadInput">The head's input, which takes <c>[batch, Width]</c>.</param>
public sealed record BackbonePart(string Name, string Sha256, long Bytes, string Output, int Width, string HeadInput)
{
    /// <summary>The file name a package gives the backbone beside <c>model.onnx</c>.</summary>
    public const string FileName = "backbone.onnx";

    /// <summary>Why the part cannot serve; null when it can.</summary>
    public string? Problem() =>
        Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigitLower) ? $"the backbone's sha256 '{Sha256}' is not a lower-case hex SHA-256"
        : Bytes < 0 ? $"the backbone's size is {Bytes} bytes"
        : Width <= 0 ? $"the backbone's embedding width is {Width}"
        : Output.Length == 0 || HeadInput.Length == 0 ? "the backbone names its output and the head's input"
        : null;
}
