using IotAi.Models;
using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace IotAi.Grains;

/// <summary>
/// The twin of one device. It routes each uplink to the model for its kind on this silo's model host,
/// drops repeats by sequence number, keeps counters, and answers; its state is written before the answer
/// leaves, so an acknowledged uplink is never forgotten by a restart.
/// </summary>
public sealed partial class DeviceGrain(
    [PersistentState("device", DeviceGrain.StorageName)] IPersistentState<DeviceState> twin,
    IModelHost models,
    ModelOffers offers,
    SampleCapture capture,
    ModelRegistry registry,
    DeviceTelemetry telemetry,
    TimeProvider clock,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    public const string StorageName = "devices";

    private string DeviceId => this.GetPrimaryKeyString();

    private DeviceState State => twin.State;

    public async Task<UplinkReply> HandleUplinkAsync(Uplink uplink)
    {
        ArgumentNullException.ThrowIfNull(uplink);
        // A child of the ingress's span when the ingress sampled it and handed its context over in the request context.
        using var activity = DeviceTelemetry.Source.HasListeners()
            && ActivityContext.TryParse(RequestContext.Get(DeviceCallContext.TraceParentKey) as string, null, out var parent)
            ? DeviceTelemetry.Source.StartActivity($"device {uplink.Kind}", ActivityKind.Internal, parent)
            : null;
        activity?.SetTag("iotai.device.id", DeviceId);
        activity?.SetTag("iotai.seq", uplink.Seq);
        var now = clock.GetUtcNow();
        State.FirstSeen ??= now;
        State.LastSeen = now;
        var reply = await ProcessAsync(uplink);
        activity?.SetTag("iotai.outcome", reply.Outcome.ToString());
        telemetry.Uplink(uplink.Kind, reply.Outcome);
        await twin.WriteStateAsync();
        await RegisterOnceAsync();
        return reply;
    }

    public async Task<UplinkReply> ReportAsync(byte[] payload, string topic)
    {
        State.LastSeen = clock.GetUtcNow();
        var reply = MergeReported(payload, topic);
        await twin.WriteStateAsync();
        await PushKeySetIfBehindAsync();
        return reply;
    }

    public async Task ConnectedAsync(IDeviceDownlink downlink)
    {
        State.Downlink = downlink;
        await twin.WriteStateAsync();
        await RegisterOnceAsync();
        await CatchUpAsync();
    }

    public Task DownlinkSubscribedAsync() => CatchUpAsync();

    /// <summary>A device that was away catches up on the keys it is to trust, and what operators set and offered meanwhile.</summary>
    private async Task CatchUpAsync()
    {
        // The keys go first, so an offer signed by a key new to the device finds it trusted.
        await PushKeySetIfBehindAsync();
        if (State.DesiredVersion > 0)
        {
            await PushAsync(DesiredMessage());
        }

        await PushPendingOffersAsync();
    }

    public async Task DisconnectedAsync(IDeviceDownlink downlink)
    {
        if (Equals(State.Downlink, downlink))
        {
            State.Downlink = null;
            await twin.WriteStateAsync();
        }
    }

    public async Task DisconnectAsync(string reason)
    {
        if (State.Downlink is { } downlink)
        {
            await downlink.DisconnectAsync(DeviceId, reason);
        }
    }

    public async Task SetDesiredAsync(IReadOnlyDictionary<string, string> desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        foreach (var (key, value) in desired)
        {
            State.Desired[key] = value;
        }

        State.DesiredVersion++;
        await twin.WriteStateAsync();
        await PushAsync(DesiredMessage());
    }

    public Task<DeviceTwin> GetTwinAsync() => Task.FromResult(new DeviceTwin(
        DeviceId,
        State.FirstSeen,
        State.LastSeen,
        State.Counters.Clone(),
        State.Sequence.Highest,
        new Dictionary<string, string>(State.Reported),
        new Dictionary<string, string>(State.Desired),
        State.DesiredVersion,
        new Dictionary<string, string>(State.ModelVersions),
        State.Downlink is not null,
        new Dictionary<string, string>(State.OfferedModels),
        new Dictionary<string, ModelUpdate>(State.ModelUpdates),
        new Dictionary<string, string>(State.Tags),
        State.Quality.ToDictionary(static q => q.Key, static q => (IReadOnlyList<VersionQuality>)[.. q.Value])));

    public async Task SetTagsAsync(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        State.Tags = new Dictionary<string, string>(tags);
        State.Registered = false;
        await twin.WriteStateAsync();
        await RegisterOnceAsync();
    }

    /// <summary>Tells the device directory about this device once, and again after its tags change.</summary>
    private async Task RegisterOnceAsync()
    {
        if (!State.Registered)
        {
            await GrainFactory.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(DeviceId, State.Tags);
            State.Registered = true;
            await twin.WriteStateAsync();
        }
    }

    private async Task<UplinkReply> ProcessAsync(Uplink uplink)
    {
        var model = models.ForKind(uplink.Kind);
        if (model is null)
        {
            return Reject(uplink.Topic, uplink.Seq, UplinkOutcome.NoModel, ErrorCodes.NoModel, $"no model serves {KindName(uplink.Kind)} payloads");
        }

        // Most devices are answered by the active version; a rollout may have left this one on another, or have it on trial.
        TrialRun? trial = null;
        if (State.Trials.Count != 0 || State.CloudVersions.Count != 0)
        {
            (model, trial) = await ServingAsync(model);
        }

        var length = model.Manifest.InputLength;
        var features = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var (seq, escalate, error) = Read(uplink, model, features.AsSpan(0, length));
            if (error is not null)
            {
                return Reject(uplink.Topic, seq, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, error);
            }

            if (seq is long s && !State.Sequence.IsNew(s))
            {
                State.Counters.Duplicates++;
                return new UplinkReply(UplinkOutcome.Duplicate, null);
            }

            if (!escalate)
            {
                // The device's own answer stands: keep the reading, spare the model.
                State.Sequence = seq is long kept ? Accept(State.Sequence, kept) : State.Sequence;
                Count(uplink.Kind);
                State.Counters.AnsweredAtEdge++;
                var answers = AnswersOf(uplink);
                if (answers.Edge is { } edge)
                {
                    // The answer that stands is the device's, from the version it runs.
                    Capture(uplink, model.Manifest, edge.Version, seq, edge.Label, [], answers);
                }

                return new UplinkReply(UplinkOutcome.Accepted, null);
            }

            var started = Stopwatch.GetTimestamp();
            Prediction prediction;
            try
            {
                (model, prediction) = trial is null ? (model, await model.InferAsync(features.AsMemory(0, length))) : await AnswerInTrialAsync(trial, features.AsMemory(0, length));
            }
#pragma warning disable CA1031 // The device gets an error reply whatever broke; the cause goes to the log.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogInferenceFailed(ex, DeviceId, model.Manifest.Name);
                return Reject(uplink.Topic, seq, UplinkOutcome.Failed, ErrorCodes.InferenceFailed, "the model failed on this input");
            }

            if (seq is long accepted)
            {
                State.Sequence = Accept(State.Sequence, accepted);
            }

            Count(uplink.Kind);
            State.Counters.Results++;
            Answered(uplink.Kind, model.Manifest);
            var result = ToResult(uplink.Kind, seq, model.Manifest, prediction, Stopwatch.GetElapsedTime(started));
            var said = AnswersOf(uplink);
            GradeCloud(model.Manifest, result.Label, said.Truth);
            if (trial is not null)
            {
                await CountTrialAsync(trial, features.AsMemory(0, length), result.Label, said.Truth);
            }

            Capture(uplink, model.Manifest, model.Manifest.Version, seq, result.Label, prediction.Scores, said);
            return new UplinkReply(UplinkOutcome.Accepted, new DownlinkMessage(DownlinkKind.Result, JsonSerializer.SerializeToUtf8Bytes(result, ProtocolJson.Wire.InferenceResult)));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(features);
        }
    }

    private UplinkReply MergeReported(byte[] payload, string topic)
    {
        var (properties, error) = ReportedProperties.Read(payload);
        if (properties is null)
        {
            return Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, error!);
        }

        if (State.Reported.Keys.Union(properties.Keys).Count() > ReportedProperties.MaxProperties)
        {
            return Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, $"a twin holds at most {ReportedProperties.MaxProperties} reported properties");
        }

        foreach (var (name, value) in properties)
        {
            State.Reported[name] = value;
        }

        telemetry.EdgeHealth(properties);
        if (properties.ContainsKey(ReportedProperties.Models))
        {
            RecountFleet();
        }

        return new UplinkReply(UplinkOutcome.Accepted, null);
    }

    private static (long? Seq, bool Escalate, string? Error) Read(Uplink uplink, LoadedModel model, Span<float> features)
    {
        var (seq, escalate, error) = model.ReadInput(uplink.Payload, features);
        return (seq ?? uplink.Seq, escalate ?? uplink.Escalate, error);
    }

    private static SequenceWindow Accept(SequenceWindow window, long seq)
    {
        window.Accept(seq);
        return window;
    }

    private void Count(PayloadKind kind)
    {
        if (kind == PayloadKind.Image)
        {
            State.Counters.Images++;
        }
        else
        {
            State.Counters.Telemetry++;
        }
    }

    private UplinkReply Reject(string topic, long? seq, UplinkOutcome outcome, string code, string message)
    {
        State.Counters.Rejected++;
        LogRejected(DeviceId, topic, code, message);
        return new UplinkReply(outcome, Replies.Error(seq, code, message, topic));
    }

    private static InferenceResult ToResult(PayloadKind kind, long? seq, ModelManifest manifest, Prediction prediction, TimeSpan elapsed)
    {
        var scores = new Dictionary<string, float>(manifest.Labels.Count);
        for (var i = 0; i < manifest.Labels.Count; i++)
        {
            scores[manifest.Labels[i]] = prediction.Scores[i];
        }

        return new InferenceResult(seq, KindName(kind), manifest.Name, manifest.Version, manifest.Labels[prediction.LabelIndex],
            prediction.Confidence, scores, Math.Round(elapsed.TotalMilliseconds, 3));
    }

    private DownlinkMessage DesiredMessage() => new(
        DownlinkKind.Desired,
        JsonSerializer.SerializeToUtf8Bytes(new DesiredProperties(State.DesiredVersion, State.Desired), ProtocolJson.Wire.DesiredProperties));

    private async Task PushAsync(DownlinkMessage message)
    {
        if (State.Downlink is not { } downlink)
        {
            return;
        }

        try
        {
            await downlink.DeliverAsync(DeviceId, message);
        }
#pragma warning disable CA1031 // A silo that went away takes the connection with it; the device catches up when it reconnects.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDownlinkLost(ex, DeviceId);
            State.Downlink = null;
            await twin.WriteStateAsync();
        }
    }

    private static string KindName(PayloadKind kind) => kind == PayloadKind.Image ? "image" : "telemetry";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused an uplink from {DeviceId} on {Topic}: {Code} ({Reason})")]
    private partial void LogRejected(string deviceId, string topic, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} failed on an uplink from {DeviceId}")]
    private partial void LogInferenceFailed(Exception exception, string deviceId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The downlink to {DeviceId} is gone; it gets its desired properties when it reconnects")]
    private partial void LogDownlinkLost(Exception exception, string deviceId);
}
