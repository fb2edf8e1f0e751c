using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Learning;

/// <summary>
/// Keeps the answered samples a model's capture policy wants (<see cref="CaptureRules"/>), within its hourly
/// quotas per device and per model, in the <see cref="FileSampleStore"/>. Quotas are counted by each silo for
/// the devices it serves, so a cluster keeps at most its silo count times the per-model quota. Evaluation samples
/// have a quota of their own, so hard examples never crowd out the share that represents the traffic. Every answer
/// also feeds the drift watch, and every answer whose truth is known the live accuracy.
/// </summary>
public sealed class SampleCapture(IOptions<CaptureSettings> settings, FileSampleStore store, ConfidenceDrift drift, LiveAccuracy accuracy, LearningMetrics metrics, TimeProvider clock)
{
    private static readonly Task<CapturedSample?> NotKept = Task.FromResult<CapturedSample?>(null);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perModel = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _evaluationPerModel = new(StringComparer.Ordinal);
    private long _hour = -1;

    public FileSampleStore Store => store;

    public ConfidenceDrift Drift => drift;

    public LiveAccuracy Accuracy => accuracy;

    /// <summary>
    /// Labels a kept sample, and counts the label by its source; throws <see cref="KeyNotFoundException"/> for a sample never
    /// kept. The first label of an evaluation sample also grades the answer it was given, for the live accuracy: those
    /// samples are a uniform share of the traffic, so their grades stand for all of it.
    /// </summary>
    public CapturedSample Label(string id, SampleLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var labelled = store.Label(id, label);
        metrics.Labelled(labelled.Model, label.Source);
        if (labelled.Labels.Count == 1 && labelled.Reasons.HasFlag(CaptureReasons.Evaluation))
        {
            accuracy.Observe(labelled.Model, labelled.Version, string.Equals(labelled.Prediction, label.Label, StringComparison.Ordinal));
        }

        return labelled;
    }

    /// <summary>
    /// Keeps <paramref name="sample"/> if its model's policy and quotas allow: the decision is made at once and the payload
    /// copied, and the task completes with what was kept once it is written, or with null when nothing is kept.
    /// </summary>
    public Task<CapturedSample?> ConsiderAsync(AnsweredSample sample, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var options = settings.Value.For(sample.Model);
        if (sample.Scores.Count > 0)
        {
            // Only the cloud model's own answers: a device's answer comes from whatever version it runs, and reports its own grades.
            drift.Observe(sample.Model, sample.Version, sample.Scores.Max());
            if (sample.Truth is { } known)
            {
                accuracy.Observe(sample.Model, sample.Version, string.Equals(sample.Label, known, StringComparison.Ordinal));
            }
        }

        var reasons = CaptureRules.Decide(options, sample.DeviceId, sample.Seq, sample.Label, sample.Scores, sample.Edge);
        var now = clock.GetUtcNow();
        if (reasons == CaptureReasons.None || (reasons = TryCount(sample.DeviceId, sample.Model, reasons, options, now)) == CaptureReasons.None)
        {
            return NotKept;
        }

        var id = sample.Seq is long seq ? CapturedSample.IdFor(sample.DeviceId, seq) : $"{sample.DeviceId}.t{now.UtcTicks}";
        var confidence = sample.Scores.Count > 0 ? sample.Scores.Max() : sample.Edge?.Confidence ?? 0;
        var kept = new CapturedSample(id, sample.DeviceId, sample.Seq, sample.Model, sample.Version, sample.Kind, now, sample.Label, confidence,
            sample.Edge, reasons, sample.ContentType, sample.Truth is { } truth ? [new SampleLabel(truth, LabelSources.Device, now)] : []);
        return KeptAsync(kept, store.SaveAsync(kept, payload));
    }

    /// <summary>Keeps <paramref name="sample"/> as <see cref="ConsiderAsync"/> does, and returns once it is written.</summary>
    public CapturedSample? Consider(AnsweredSample sample, ReadOnlySpan<byte> payload) => ConsiderAsync(sample, payload).GetAwaiter().GetResult();

    private async Task<CapturedSample?> KeptAsync(CapturedSample kept, Task written)
    {
        await written.ConfigureAwait(false);
        metrics.Kept(kept.Model, kept.Reasons);
        return kept;
    }

    /// <summary>
    /// Counts the sample against its quotas and returns the reasons it may be kept for: an evaluation sample against the
    /// evaluation quota alone (it is kept for evaluation only, whatever else it is), any other against the device's and
    /// the model's.
    /// </summary>
    private CaptureReasons TryCount(string deviceId, string model, CaptureReasons reasons, CaptureOptions options, DateTimeOffset now)
    {
        lock (_lock)
        {
            var hour = now.ToUnixTimeSeconds() / 3600;
            if (hour != _hour)
            {
                _hour = hour;
                _perDevice.Clear();
                _perModel.Clear();
                _evaluationPerModel.Clear();
            }

            if (reasons.HasFlag(CaptureReasons.Evaluation))
            {
                var evaluation = _evaluationPerModel.GetValueOrDefault(model);
                if (evaluation < options.EvaluationPerModelPerHour)
                {
                    _evaluationPerModel[model] = evaluation + 1;
                    return reasons;
                }

                // Past the evaluation quota the sample is an ordinary one, kept only for its other reasons.
                reasons &= ~CaptureReasons.Evaluation;
                if (reasons == CaptureReasons.None)
                {
                    return reasons;
                }
            }

            var device = _perDevice.GetValueOrDefault(deviceId);
            var all = _perModel.GetValueOrDefault(model);
            if (device >= options.PerDevicePerHour || all >= options.PerModelPerHour)
            {
                return CaptureReasons.None;
            }

            _perDevice[deviceId] = device + 1;
            _perModel[model] = all + 1;
            return reasons;
        }
    }
}

/// <summary>A sample as it was answered, offered for capture.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Seq">Its sequence number, if it had one.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Version">Its version.</param>
/// <param name="Kind">Telemetry or image.</param>
/// <param name="Label">The answer used.</param>
/// <param name="Scores">Every label's probability from the cloud's model; empty when only the device answered.</param>
/// <param name="Edge">The device's own answer, if it sent one.</param>
/// <param name="ContentType">The payload's content type.</param>
/// <param name="Truth">The ground truth the device sent with it, already checked against the model's labels; it becomes the first label.</param>
public sealed record AnsweredSample(
    string DeviceId,
    long? Seq,
    string Model,
    string Version,
    PayloadKind Kind,
    string Label,
    IReadOnlyList<float> Scores,
    EdgeAnswer? Edge,
    string ContentType,
    string? Truth = null);
