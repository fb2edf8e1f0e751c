using System.Buffers;
using System.Diagnostics;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Devices;

/// <summary>
/// Answers one uplink (a tensor call goes to <see cref="TensorAnswerer"/>): routes it to the model for its kind on this silo's model host (or the version a rollout has the
/// device on), reads it, drops it if it is a repeat, infers, grades the answer when the device sent the truth, offers
/// the sample for learning, and builds the result the device is sent.
/// </summary>
internal sealed partial class PayloadAnswerer(
    DeviceActivation device,
    IModelHost models,
    TwinKeeper twin,
    CloudTrials trials,
    SampleKeeper samples,
    FleetCount fleet,
    DeviceTelemetry telemetry,
    ILogger logger)
{
    // Made on a device's first tensor call: most devices never make one, and an idle device's activation should cost nothing for it.
    private TensorAnswerer? _tensors;

    private DeviceState State => device.State;

    public async Task<UplinkReply> AnswerAsync(Uplink uplink)
    {
        if (uplink.Kind == PayloadKind.Tensor)
        {
            return (_tensors ??= new TensorAnswerer(device, models, twin, logger)).Answer(uplink);
        }

        var model = models.ForKind(uplink.Kind);
        if (model is null)
        {
            return device.Reject(uplink.Topic, uplink.Seq, UplinkOutcome.NoModel, ErrorCodes.NoModel, $"no model serves {PayloadKinds.Name(uplink.Kind)} payloads");
        }

        // Most devices are answered by the active version; a rollout may have left this one on another, or have it on trial.
        CloudTrials.TrialRun? trial = null;
        if (State.Trials.Count != 0 || State.CloudVersions.Count != 0)
        {
            (model, trial) = await trials.ServingAsync(model);
        }

        var length = model.Manifest.InputLength;
        var features = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var (seq, escalate, error) = Read(uplink, model, features.AsSpan(0, length));
            if (error is not null)
            {
                return device.Invalid(uplink.Topic, seq, error);
            }

            if (seq is long s && twin.IsRepeat(s))
            {
                return new UplinkReply(UplinkOutcome.Duplicate, null);
            }

            if (!escalate)
            {
                // The device's own answer stands: keep the reading, spare the model.
                Handled(uplink.Kind, seq);
                State.Counters.AnsweredAtEdge++;
                var answers = DeviceAnswers.Of(uplink);
                if (answers.Edge is { } edge)
                {
                    // The answer that stands is the device's, from the version it runs.
                    samples.Capture(uplink, model.Manifest, edge.Version, seq, edge.Label, [], answers);
                }

                return new UplinkReply(UplinkOutcome.Accepted, null);
            }

            var started = Stopwatch.GetTimestamp();
            Prediction prediction;
            try
            {
                (model, prediction) = trial is null ? (model, await model.InferAsync(features.AsMemory(0, length))) : await trials.AnswerAsync(trial, features.AsMemory(0, length));
            }
            catch (ModelBusyException)
            {
                // Not handled, so not a repeat when it comes again: the device sends it later, under the same number.
                return device.Reject(uplink.Topic, seq, UplinkOutcome.Busy, ErrorCodes.Busy, "the model is busy; send it again later");
            }
#pragma warning disable CA1031 // The device gets an error reply whatever broke; the cause goes to the log.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogInferenceFailed(ex, device.DeviceId, model.Manifest.Name);
                return device.Reject(uplink.Topic, seq, UplinkOutcome.Failed, ErrorCodes.InferenceFailed, "the model failed on this input");
            }

            Handled(uplink.Kind, seq);
            State.Counters.Results++;
            fleet.Answered(uplink.Kind, model.Manifest);
            var manifest = model.Manifest;
            var result = InferenceResultJson.Write(seq, PayloadKinds.Name(uplink.Kind), manifest.Name, manifest.Version, manifest.Labels, prediction.Scores,
                prediction.LabelIndex, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3));
            var label = manifest.Labels[prediction.LabelIndex];
            var said = DeviceAnswers.Of(uplink);
            GradeCloud(manifest, label, said.Truth);
            if (trial is not null)
            {
                await trials.CountAsync(trial, features.AsMemory(0, length), label, said.Truth);
            }

            samples.Capture(uplink, manifest, manifest.Version, seq, label, prediction.Scores, said);
            return new UplinkReply(UplinkOutcome.Accepted, new DownlinkMessage(DownlinkKind.Result, result));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(features);
        }
    }

    private void Handled(PayloadKind kind, long? seq)
    {
        if (seq is long handled)
        {
            twin.Handled(handled);
        }

        twin.Count(kind);
    }

    private static (long? Seq, bool Escalate, string? Error) Read(Uplink uplink, LoadedModel model, Span<float> features)
    {
        var (seq, escalate, error) = model.ReadInput(uplink.Payload, features);
        return (seq ?? uplink.Seq, escalate ?? uplink.Escalate, error);
    }

    /// <summary>Grades the cloud's answer when the device knew the truth and it is one of the model's labels.</summary>
    private void GradeCloud(ModelManifest manifest, string label, string? truth)
    {
        if (truth is not null && manifest.Labels.Contains(truth, StringComparer.Ordinal))
        {
            telemetry.Graded(manifest.Name, manifest.Version, InferenceSites.Cloud, label == truth);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} failed on an uplink from {DeviceId}")]
    private partial void LogInferenceFailed(Exception exception, string deviceId, string model);
}
