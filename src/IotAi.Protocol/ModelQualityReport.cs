using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>
/// How one model version has answered on a device since it started running there, on
/// <c>devices/{id}/up/model/quality</c>. Counts are cumulative, so a lost report costs nothing but freshness.
/// Rollouts compare these figures for the new version against the version the same devices ran before.
/// </summary>
/// <param name="Name">The model's name.</param>
/// <param name="Version">The version the figures are about.</param>
/// <param name="Samples">Samples the version answered on the device.</param>
/// <param name="Hard">Of those, how many it answered with less than the device's confidence threshold: hard examples.</param>
/// <param name="Labeled">Samples whose ground truth the device knew.</param>
/// <param name="Correct">Of those, how many the version got right.</param>
/// <param name="Confidence">How many answers fell in each of <see cref="Bins"/> equal confidence bins from 0 to 1.</param>
/// <param name="Errors">Samples on which the version failed to give any answer; they are not among <paramref name="Samples"/>.</param>
public sealed record ModelQualityReport(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("samples")] long Samples,
    [property: JsonPropertyName("hard")] long Hard,
    [property: JsonPropertyName("labeled")] long Labeled,
    [property: JsonPropertyName("correct")] long Correct,
    [property: JsonPropertyName("confidence")] IReadOnlyList<long> Confidence,
    [property: JsonPropertyName("errors")] long Errors = 0)
{
    /// <summary>The confidence histogram has this many bins of width 0.05.</summary>
    public const int Bins = 20;

    /// <summary>The bin a confidence falls in; 1.0 goes in the last.</summary>
    public static int Bin(double confidence) => Math.Clamp((int)(confidence * Bins), 0, Bins - 1);

    /// <summary>Why the report cannot be true, or null when it is consistent.</summary>
    public string? Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name.Length > 64 || string.IsNullOrEmpty(Version) || Version.Length > 64)
        {
            return "a model quality report needs a name and a version of at most 64 characters";
        }

        if (Confidence is null || Confidence.Count != Bins || Confidence.Any(static c => c < 0))
        {
            return $"confidence must be {Bins} non-negative counts";
        }

        if (Samples < 0 || Hard < 0 || Labeled < 0 || Correct < 0 || Errors < 0 || Hard > Samples || Labeled > Samples || Correct > Labeled)
        {
            return "counts must be non-negative, with hard and labeled at most samples, and correct at most labeled";
        }

        return Confidence.Sum() == Samples ? null : "the confidence bins must add up to samples";
    }
}
