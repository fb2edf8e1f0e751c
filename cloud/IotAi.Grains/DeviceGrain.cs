using System.Diagnostics;
using IotAi.Grains.Devices;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace IotAi.Grains;

/// <summary>
/// The twin of one device, and the one place its calls arrive. Each call goes to the part that does that one thing
/// (see <c>Devices/</c>): the twin and duplicate detection, answering a payload, keeping samples and their labels,
/// model offers and key sets, the quality the device reports. The grain writes the twin once the part is done and
/// before the reply leaves, so an acknowledged uplink is never forgotten by a restart. The parts are plain objects of
/// this activation: a grain each would cost messages on every uplink, for no isolation the device needs.
/// </summary>
public sealed class DeviceGrain : Grain, IDeviceGrain
{
    public const string StorageName = "devices";

    private readonly DeviceActivation _device;
    private readonly DeviceTelemetry _telemetry;
    private readonly FleetCount _fleet;
    private readonly TwinKeeper _twin;
    private readonly CloudTrials _trials;
    private readonly PayloadAnswerer _answerer;
    private readonly SampleKeeper _samples;
    private readonly ModelDelivery _delivery;
    private readonly EdgeQuality _quality;

    public DeviceGrain(
        [PersistentState("device", StorageName)] IPersistentState<DeviceState> twin,
        IModelHost models,
        ModelOffers offers,
        SampleCapture capture,
        ModelRegistry registry,
        DeviceTelemetry telemetry,
        TimeProvider clock,
        ILogger<DeviceGrain> logger)
    {
        _telemetry = telemetry;
        _device = new DeviceActivation(this.GetPrimaryKeyString(), twin, GrainFactory, clock, logger);
        _fleet = new FleetCount(_device, telemetry);
        _twin = new TwinKeeper(_device, _fleet, telemetry);
        _trials = new CloudTrials(_device, models, capture.Accuracy, logger);
        _samples = new SampleKeeper(_device, capture, registry, logger);
        _answerer = new PayloadAnswerer(_device, models, _twin, _trials, _samples, _fleet, telemetry, logger);
        _delivery = new ModelDelivery(_device, offers);
        _quality = new EdgeQuality(_device, telemetry, capture.Accuracy);
    }

    private DeviceState State => _device.State;

    public async Task<UplinkReply> HandleUplinkAsync(Uplink uplink)
    {
        ArgumentNullException.ThrowIfNull(uplink);
        // A child of the ingress's span when the ingress sampled it and handed its context over in the request context.
        using var activity = DeviceTelemetry.Source.HasListeners()
            && ActivityContext.TryParse(RequestContext.Get(DeviceCallContext.TraceParentKey) as string, null, out var parent)
            ? DeviceTelemetry.Source.StartActivity($"device {uplink.Kind}", ActivityKind.Internal, parent)
            : null;
        activity?.SetTag("iotai.device.id", _device.DeviceId);
        activity?.SetTag("iotai.seq", uplink.Seq);
        var now = _device.Heard();
        State.FirstSeen ??= now;
        var reply = await _answerer.AnswerAsync(uplink);
        activity?.SetTag("iotai.outcome", reply.Outcome.ToString());
        _telemetry.Uplink(uplink.Kind, reply.Outcome);
        // The kept sample, if any, is written before the twin that records the reading as handled: were the twin first, a
        // silo killed between the two would leave a reading whose resend counts as a repeat and is acknowledged, its
        // sample never kept. The reading is acknowledged after both.
        await _samples.KeptAsync();
        await _device.WriteAsync();

        await _twin.RegisterOnceAsync();
        return reply;
    }

    public async Task<UplinkReply> ReportAsync(byte[] payload, string topic)
    {
        _device.Heard();
        var reply = _twin.MergeReported(payload, topic);
        await _device.WriteAsync();
        await _delivery.PushKeySetIfBehindAsync();
        return reply;
    }

    public async Task ConnectedAsync(IDeviceDownlink downlink, uint maximumPacketSize)
    {
        State.Downlink = downlink;
        State.MaximumPacketSize = maximumPacketSize;
        await _device.WriteAsync();
        await _twin.RegisterOnceAsync();
        await CatchUpAsync();
    }

    public Task DownlinkSubscribedAsync() => CatchUpAsync();

    /// <summary>A device that was away catches up on the keys it is to trust, and what operators set and offered meanwhile.</summary>
    private async Task CatchUpAsync()
    {
        // The keys go first, so an offer signed by a key new to the device finds it trusted.
        await _delivery.PushKeySetIfBehindAsync();
        await _twin.PushDesiredAsync();
        await _delivery.PushPendingOffersAsync();
    }

    public async Task DisconnectedAsync(IDeviceDownlink downlink)
    {
        if (Equals(State.Downlink, downlink))
        {
            State.Downlink = null;
            await _device.WriteAsync();
        }
    }

    public async Task DisconnectAsync(string reason)
    {
        if (State.Downlink is { } downlink)
        {
            await downlink.DisconnectAsync(_device.DeviceId, reason);
        }
    }

    public async Task SetDesiredAsync(IReadOnlyDictionary<string, string> desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        _twin.MergeDesired(desired);
        await _device.WriteAsync();
        await _twin.PushDesiredAsync();
    }

    public Task<DeviceTwin> GetTwinAsync() => Task.FromResult(_twin.Snapshot());

    public async Task SetTagsAsync(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        _twin.ReplaceTags(tags);
        await _device.WriteAsync();
        await _twin.RegisterOnceAsync();
    }

    public async Task<UplinkReply> ReportLabelAsync(byte[] payload, string topic)
    {
        _device.Heard();
        var (reply, labelled) = _samples.Label(payload, topic);
        if (labelled)
        {
            await _device.WriteAsync();
        }

        return reply;
    }

    public async Task OfferModelAsync(string name, string version, string? rolloutId = null)
    {
        var offer = _delivery.Record(name, version, rolloutId);
        await _device.WriteAsync();
        await _delivery.PushOfferAsync(offer, name, version);
    }

    public async Task<UplinkReply> ReportModelStatusAsync(byte[] payload, string topic)
    {
        _device.Heard();
        var (reply, report) = _delivery.RecordStatus(payload, topic);
        await _device.WriteAsync();
        if (report is not null)
        {
            await _delivery.TellRolloutAsync(report);
        }

        return reply;
    }

    public async Task<UplinkReply> ReportModelQualityAsync(byte[] payload, string topic)
    {
        var (reply, recorded) = _quality.Record(payload, topic, _device.Heard());
        if (recorded)
        {
            await _device.WriteAsync();
        }

        return reply;
    }

    public Task<IReadOnlyList<VersionQuality>> GetModelQualityAsync(string name) => Task.FromResult(_quality.Of(name));

    public async Task JoinTrialAsync(string model, string rolloutId, string candidate, bool answering)
    {
        if (_trials.Join(model, rolloutId, candidate, answering))
        {
            await _device.WriteAsync();
        }
    }

    public async Task EndTrialAsync(string model, string rolloutId, TrialEnd ending)
    {
        if (_trials.End(model, rolloutId, ending))
        {
            await _device.WriteAsync();
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _fleet.Recount();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _trials.TellRollouts();
        _fleet.Release();
        return Task.CompletedTask;
    }
}
