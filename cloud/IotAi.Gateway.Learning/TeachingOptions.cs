using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Teacher labelling: a larger model registered beside a served one labels that one's kept, unlabelled samples
/// when it is confident enough. Bound from <c>Learning:Teaching</c>; no teachers are set by default.
/// </summary>
internal sealed class TeachingOptions
{
    public const string SectionName = "Learning:Teaching";

    /// <summary>How often the teachers look at newly kept samples.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many unlabelled samples per model per look, newest first.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>The teacher of each served model, by the served model's name.</summary>
    public Dictionary<string, TeacherSettings> Models { get; } = new(StringComparer.Ordinal);
}

internal sealed class TeacherSettings
{
    /// <summary>The teacher's registered model name; its active version teaches. It must read the same payloads and know the same labels.</summary>
    [Required]
    public string Teacher { get; set; } = "";

    /// <summary>The teacher's probability its answer needs before it becomes a label.</summary>
    [Range(0.5, 1.0)]
    public double MinConfidence { get; set; } = 0.95;
}
