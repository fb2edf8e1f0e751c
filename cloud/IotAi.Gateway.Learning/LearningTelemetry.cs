using IotAi.ServiceDefaults;
using System.Diagnostics.Metrics;
using IotAi.Learning;

namespace IotAi.Gateway.Learning;

/// <summary>
/// The learning loop's meters (each model's confidence drift, so operators see the world move before accuracy says so;
/// teacher labels; training runs) and its training runs' spans.
/// </summary>
public sealed class LearningTelemetry
{
    public const string MeterName = "IotAi.Learning";

    /// <summary>Spans of the learning loop: one per training run, its steps as events, always kept.</summary>
    public const string SourceName = "IotAi.Learning";

    internal static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    private readonly Counter<long> _teacherLabels;
    private readonly Counter<long> _trainingRuns;
    private readonly Histogram<double> _trainingDuration;

    public LearningTelemetry(IMeterFactory meterFactory, ConfidenceDrift drift)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(drift);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        // Tagged by model name: a handful per cluster, never device ids.
        meter.CreateObservableGauge("iotai.learning.drift.psi",
            () => drift.All().Select(static m => new Measurement<double>(m.Value, new KeyValuePair<string, object?>("iotai.model", m.Key))),
            description: "Population stability index of the model's answer confidence against its first answers");
        _teacherLabels = meter.CreateCounter<long>("iotai.learning.teacher.labels", unit: "{sample}", description: "Kept samples a teacher model labelled");
        _trainingRuns = meter.CreateCounter<long>("iotai.learning.training.runs", unit: "{run}", description: "Training runs ended, by their state: registered, refused or failed");
        _trainingDuration = meter.CreateHistogram<double>("iotai.learning.training.duration", unit: "s", description: "How long a training run took, start to verdict", advice: HistogramBuckets.LongDuration);
    }

    public void TrainingEnded(string model, string state, TimeSpan took)
    {
        KeyValuePair<string, object?>[] tags = [new("iotai.model", model), new("iotai.training.state", state)];
        _trainingRuns.Add(1, tags);
        _trainingDuration.Record(took.TotalSeconds, tags);
    }

    public void TeacherLabelled(string model, int count) => _teacherLabels.Add(count, new KeyValuePair<string, object?>("iotai.model", model));
}
