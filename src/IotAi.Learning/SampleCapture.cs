using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Learning;

/// <summary>
/// Keeps the answered samples a model's capture policy wants (<see cref="CaptureRules"/>), within its hourly
/// quotas per device and per model, in the <see cref="FileSampleStore"/>. Quotas are counted by each silo for
/// the devices it serves, so a cluster keeps at most its silo count times the per-model quota.
/// </summary>
public sealed class SampleCapture(IOptions<CaptureSettings> settings, FileSampleStore store, ConfidenceDrift drift, LearningMetrics metrics, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perModel = new(StringComparer.Ordinal);
    private long _hour = -1;

    public FileSampleStore Store => store;

    public ConfidenceDrift Drift => drift;

    /// <summary>Labels a kept sample, and counts the label by its source; throws <see cref="KeyNotFoundException"/> for a sample never kept.</summary>
    public CapturedSample Label(string id, SampleLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var labelled = store.Label(id, label);
        metrics.Labelled(labelled.Model, label.Source);
        return labelled;
    }

    /// <summary>Keeps <paramref name="sample"/> if its model's policy and quotas allow; returns what was kept, or null.</summary>
    public CapturedSample? Consider(AnsweredSample sample, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var options = settings.Value.For(sample.Model);
        if (sample.Scores.Count > 0)
        {
            // Only the cloud model's own answers: a device's answer comes from whatever version it runs.
            drift.Observe(sample.Model, sample.Version, sample.Scores.Max());
        }

        var reasons = CaptureRules.Decide(options, sample.DeviceId, sample.Seq, sample.Label, sample.Scores, sample.Edge);
        var now = clock.GetUtcNow();
        if (reasons == CaptureReasons.None || !TryCount(sample.DeviceId, sample.Model, options, now))
        {
            return null;
        }

        var id = sample.Seq is long seq ? CapturedSample.IdFor(sample.DeviceId, seq) : $"{sample.DeviceId}.t{now.UtcTicks}";
        var confidence = sample.Scores.Count > 0 ? sample.Scores.Max() : sample.Edge?.Confidence ?? 0;
        var kept = new CapturedSample(id, sample.DeviceId, sample.Seq, sample.Model, sample.Version, sample.Kind, now, sample.Label, confidence,
            sample.Edge, reasons, sample.ContentType, sample.Truth is { } truth ? [new SampleLabel(truth, LabelSources.Device, now)] : []);
        store.Save(kept, payload);
        metrics.Kept(kept.Model, kept.Reasons);
        return kept;
    }

    private bool TryCount(string deviceId, string model, CaptureOptions options, DateTimeOffset now)
    {
        lock (_lock)
        {
            var hour = now.ToUnixTimeSeconds() / 3600;
            if (hour != _hour)
            {
                _hour = hour;
                _perDevice.Clear();
                _perModel.Clear();
            }

            var device = _perDevice.GetValueOrDefault(deviceId);
            var all = _perModel.GetValueOrDefault(model);
            if (device >= options.PerDevicePerHour || all >= options.PerModelPerHour)
            {
                return false;
            }

            _perDevice[deviceId] = device + 1;
            _perModel[model] = all + 1;
            return true;
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
