using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace IotAi.Learning;

/// <summary>
/// What to keep of one model's traffic for learning. Bound from <c>Learning:Capture</c>, with per-model
/// overrides under <c>Learning:Capture:Models:{name}</c> (see <see cref="CaptureSettings"/>).
/// </summary>
public sealed class CaptureOptions
{
    /// <summary>An answer less confident than this is a hard example.</summary>
    [Range(0.0, 1.0)]
    public double HardBelow { get; set; } = 0.6;

    /// <summary>An answer whose normalised entropy (0 certain, 1 uniform) is above this is a hard example; null ignores entropy.</summary>
    [Range(0.0, 1.0)]
    public double? EntropyAbove { get; set; }

    /// <summary>Keep samples on which the device's model and the cloud's disagree.</summary>
    public bool Disagreement { get; set; } = true;

    /// <summary>The share of all samples kept at random, decided by a hash of device and sequence number, so it is reproducible.</summary>
    [Range(0.0, 1.0)]
    public double RandomFraction { get; set; } = 0.01;

    /// <summary>
    /// The share of all samples kept apart as the evaluation set, by a draw of its own, whatever else the sample is:
    /// candidates are judged on these and never trained on them.
    /// </summary>
    [Range(0.0, 1.0)]
    public double EvaluationFraction { get; set; } = 0.01;

    /// <summary>At most this many evaluation samples of the model are kept an hour by each silo; the per-device quota does not apply to them.</summary>
    [Range(0, int.MaxValue)]
    public int EvaluationPerModelPerHour { get; set; } = 2_000;

    /// <summary>Answers with these labels are always kept (rare events are worth every example).</summary>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Bound from configuration.")]
    public IList<string>? AnomalyLabels { get; set; }

    /// <summary>At most this many samples of one device are kept an hour.</summary>
    [Range(0, int.MaxValue)]
    public int PerDevicePerHour { get; set; } = 120;

    /// <summary>At most this many samples of the model are kept an hour by each silo.</summary>
    [Range(0, int.MaxValue)]
    public int PerModelPerHour { get; set; } = 20_000;

    /// <summary>Whether answers of <paramref name="label"/> are kept every time; with no anomaly labels set, only <c>anomaly</c> is.</summary>
    public bool IsAnomaly(string label) =>
        AnomalyLabels is { Count: > 0 } labels ? labels.Contains(label, StringComparer.Ordinal) : string.Equals(label, "anomaly", StringComparison.Ordinal);
}

/// <summary>Capture options for every model, with overrides per model name. Bound from <c>Learning:Capture</c>.</summary>
public sealed class CaptureSettings
{
    public const string SectionName = "Learning:Capture";

    public CaptureOptions Default { get; set; } = new();

    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Bound from configuration.")]
    public IDictionary<string, CaptureOptions> Models { get; set; } = new Dictionary<string, CaptureOptions>(StringComparer.Ordinal);

    public CaptureOptions For(string model) => Models.TryGetValue(model, out var options) ? options : Default;
}
