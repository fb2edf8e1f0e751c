using System.Diagnostics.Metrics;

namespace IotAi.Learning;

/// <summary>
/// How fast the learning loop gathers material: samples kept, by model and why, and labels given, by model and
/// source. Meter <c>IotAi.Learning</c>; tagged by model names, a handful per cluster, never device ids.
/// </summary>
public sealed class LearningMetrics
{
    public const string MeterName = "IotAi.Learning";

    private readonly Counter<long> _kept;
    private readonly Counter<long> _labels;

    public LearningMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _kept = meter.CreateCounter<long>("iotai.learning.samples.kept", "{sample}", "Answered samples kept for learning");
        _labels = meter.CreateCounter<long>("iotai.learning.labels", "{label}", "Labels given to kept samples");
    }

    public void Kept(string model, CaptureReasons reasons) =>
        _kept.Add(1, new KeyValuePair<string, object?>("iotai.model", model), new KeyValuePair<string, object?>("iotai.capture.reason", reasons.ToString()));

    public void Labelled(string model, string source) =>
        _labels.Add(1, new KeyValuePair<string, object?>("iotai.model", model), new KeyValuePair<string, object?>("iotai.label.source", source));
}
