using System.Text.Json;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains;

/// <summary>The device grain's part in the learning loop: keeping samples worth learning from, and their labels.</summary>
public sealed partial class DeviceGrain
{
    public async Task<UplinkReply> ReportLabelAsync(byte[] payload, string topic)
    {
        State.LastSeen = clock.GetUtcNow();
        var (truth, refusal) = ReadJson(payload, topic, ProtocolJson.Wire.GroundTruth, static t =>
            t.Seq <= 0 || string.IsNullOrEmpty(t.Label) || t.Label.Length > 128 ? "a label needs the positive seq of the sample and the label" : null);
        if (truth is null)
        {
            return refusal!;
        }

        var id = CapturedSample.IdFor(DeviceId, truth.Seq);
        var sample = capture.Store.Find(id);
        if (sample is null)
        {
            return Reject(topic, truth.Seq, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, $"sample {truth.Seq} was not kept for learning, so there is nothing to label");
        }

        if (registry.TryFind(sample.Model, sample.Version) is { } model && !model.Manifest.Labels.Contains(truth.Label, StringComparer.Ordinal))
        {
            return Reject(topic, truth.Seq, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid,
                $"'{truth.Label}' is not a label of {sample.Model}; it has {string.Join(", ", model.Manifest.Labels)}");
        }

        capture.Label(id, new SampleLabel(truth.Label, LabelSources.Device, clock.GetUtcNow()));
        await twin.WriteStateAsync();
        return new UplinkReply(UplinkOutcome.Accepted, null);
    }

    /// <summary>
    /// Offers an answered sample, as answered by <paramref name="version"/>, to the capture policy; a failure to keep
    /// it never fails the uplink. A truth the device sent with it, if one of the model's labels, becomes the kept
    /// sample's first label.
    /// </summary>
    private void Capture(Uplink uplink, ModelManifest manifest, string version, long? seq, string label, IReadOnlyList<float> scores, DeviceAnswers answers)
    {
        var contentType = uplink.Kind == PayloadKind.Image ? ContentTypes.SniffImage(uplink.Payload) ?? ContentTypes.OctetStream : ContentTypes.Json;
        try
        {
            var truth = answers.Truth is { } t && manifest.Labels.Contains(t, StringComparer.Ordinal) ? t : null;
            capture.Consider(new AnsweredSample(DeviceId, seq, manifest.Name, version, uplink.Kind, label, scores, answers.Edge, contentType, truth), uplink.Payload);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCaptureFailed(ex, DeviceId, seq);
        }
    }

    /// <summary>What the device said of a sample besides the sample: its own answer and the truth, in a telemetry payload or an image's user properties.</summary>
    private static DeviceAnswers AnswersOf(Uplink uplink)
    {
        try
        {
            if (uplink.Kind == PayloadKind.Image)
            {
                var edge = uplink.Edge is { Length: > 0 and <= 1024 } json ? JsonSerializer.Deserialize(json, ProtocolJson.Wire.EdgeAnswer) : null;
                return new DeviceAnswers(edge, uplink.Truth);
            }

            // Most readings carry neither; only those that do are parsed a second time.
            var payload = uplink.Payload.AsSpan();
            if (payload.IndexOf("\"edge\""u8) < 0 && payload.IndexOf("\"label\""u8) < 0)
            {
                return default;
            }

            var telemetry = JsonSerializer.Deserialize(uplink.Payload, ProtocolJson.Wire.Telemetry);
            return new DeviceAnswers(telemetry?.Edge, telemetry?.Label);
        }
        catch (JsonException)
        {
            // What the device garbled is no reason to refuse its reading.
            return default;
        }
    }

    /// <summary>The device's own answer and the truth it knew, either possibly missing.</summary>
    private readonly record struct DeviceAnswers(EdgeAnswer? Edge, string? Truth);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep sample {Seq} of {DeviceId} for learning")]
    private partial void LogCaptureFailed(Exception exception, string deviceId, long? seq);
}
