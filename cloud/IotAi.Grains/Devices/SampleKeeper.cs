using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Devices;

/// <summary>The device's part in the learning loop: offering answered samples to the capture policy, and labelling kept ones.</summary>
internal sealed partial class SampleKeeper(DeviceActivation device, SampleCapture capture, ModelRegistry registry, ILogger logger)
{
    private (Task Writing, long? Seq) _keeping;

    /// <summary>Labels a kept sample with the truth the device learnt later; false, with the refusal, when there is nothing to label.</summary>
    public (UplinkReply Reply, bool Labelled) Label(byte[] payload, string topic)
    {
        var (truth, refusal) = device.ReadJson(payload, topic, ProtocolJson.Wire.GroundTruth, static t =>
            t.Seq <= 0 || string.IsNullOrEmpty(t.Label) || t.Label.Length > 128 ? "a label needs the positive seq of the sample and the label" : null);
        if (truth is null)
        {
            return (refusal!, false);
        }

        var id = CapturedSample.IdFor(device.DeviceId, truth.Seq);
        var sample = capture.Store.Find(id);
        if (sample is null)
        {
            return (device.Invalid(topic, truth.Seq, $"sample {truth.Seq} was not kept for learning, so there is nothing to label"), false);
        }

        if (registry.TryFind(sample.Model, sample.Version) is { } model && !model.Manifest.Labels.Contains(truth.Label, StringComparer.Ordinal))
        {
            return (device.Invalid(topic, truth.Seq, $"'{truth.Label}' is not a label of {sample.Model}; it has {string.Join(", ", model.Manifest.Labels)}"), false);
        }

        capture.Label(id, new SampleLabel(truth.Label, LabelSources.Device, device.Clock.GetUtcNow()));
        return (new UplinkReply(UplinkOutcome.Accepted, null), true);
    }

    /// <summary>
    /// Offers an answered sample, as answered by <paramref name="version"/>, to the capture policy; one it keeps is
    /// written while the turn goes on, and <see cref="KeptAsync"/> waits for it. A truth the device sent with it, if one
    /// of the model's labels, becomes the kept sample's first label.
    /// </summary>
    public void Capture(Uplink uplink, ModelManifest manifest, string version, long? seq, string label, IReadOnlyList<float> scores, DeviceAnswers answers)
    {
        var contentType = uplink.Kind == PayloadKind.Image ? ContentTypes.SniffImage(uplink.Payload) ?? ContentTypes.OctetStream : ContentTypes.Json;
        var truth = answers.Truth is { } t && manifest.Labels.Contains(t, StringComparer.Ordinal) ? t : null;
        var keeping = capture.ConsiderAsync(new AnsweredSample(device.DeviceId, seq, manifest.Name, version, uplink.Kind, label, scores, answers.Edge, contentType, truth), uplink.Payload);
        if (!keeping.IsCompletedSuccessfully)
        {
            _keeping = (keeping, seq);
        }
    }

    /// <summary>
    /// Waits until the sample this turn kept, if any, is written: the reading is acknowledged only after that, so no sample
    /// counted as kept is lost to a crash. A failure to keep it never fails the uplink; it is logged.
    /// </summary>
    public async Task KeptAsync()
    {
        if (_keeping is not ({ } keeping, var seq))
        {
            return;
        }

        _keeping = default;
        try
        {
            await keeping;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCaptureFailed(ex, device.DeviceId, seq);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep sample {Seq} of {DeviceId} for learning")]
    private partial void LogCaptureFailed(Exception exception, string deviceId, long? seq);
}
