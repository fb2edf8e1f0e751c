using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>A result from the cloud, matched with the sample it answers.</summary>
/// <param name="Result">The result as the cloud sent it.</param>
/// <param name="Latency">
/// From publishing the sample to receiving this result; null when the sample is no longer remembered
/// (sent before a restart, or more than <see cref="EdgeAgentOptions.InFlightCapacity"/> samples ago).
/// </param>
/// <param name="Truth">The sample's ground-truth label, when its source knew it.</param>
public sealed record EdgeResult(InferenceResult Result, TimeSpan? Latency, string? Truth)
{
    /// <summary>Whether the model found the truth; null when the truth is unknown.</summary>
    public bool? IsCorrect => Truth is null ? null : string.Equals(Truth, Result.Label, StringComparison.Ordinal);
}
