using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>
/// A device asking for chunks it lacks, on <c>devices/{id}/up/model/fetch</c>. Any silo answers from the
/// shared registry, each chunk on <c>devices/{id}/down/model/chunk/{sha256}/{index}</c>. Asking again for
/// only the missing indexes is what makes a transfer resumable after a disconnect or a restart.
/// </summary>
/// <param name="Sha256">The blob, as the offer names it.</param>
/// <param name="ChunkSize">The chunk size the offer gave.</param>
/// <param name="Indexes">The chunks wanted, at most <see cref="MaxIndexes"/> per request.</param>
public sealed record ModelFetch(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("chunkSize")] int ChunkSize,
    [property: JsonPropertyName("indexes")] IReadOnlyList<int> Indexes)
{
    public const int MaxIndexes = 64;
}
