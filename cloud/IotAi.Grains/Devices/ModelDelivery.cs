using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IotAi.Grains.Keys;
using IotAi.Grains.Rollouts;
using IotAi.Protocol;
using IotAi.ServiceDefaults;

namespace IotAi.Grains.Devices;

/// <summary>
/// Models on their way to the device: the offers it has not taken up yet, what it reports as an update goes (passed on
/// to the rollout that offered it), and the newest model key set when the device holds an older one.
/// </summary>
internal sealed class ModelDelivery(DeviceActivation device, ModelOffers offers)
{
    private DeviceState State => device.State;

    /// <summary>Records an offer of a registered version, by <paramref name="rolloutId"/> or directly, and returns it to push.</summary>
    public DownlinkMessage Record(string name, string version, string? rolloutId)
    {
        var offer = offers.Build(name, version, device.DeviceId, State.MaximumPacketSize) ?? throw new KeyNotFoundException($"{name} version {version} is not registered.");
        State.OfferedModels[name] = version;
        if (rolloutId is null)
        {
            State.Rollouts.Remove(name);
        }
        else
        {
            State.Rollouts[name] = rolloutId;
        }

        return offer;
    }

    /// <summary>Pushes an offer under a span of its own, always kept, whose context the device's download and swap continue.</summary>
    public async Task PushOfferAsync(DownlinkMessage offer, string name, string version)
    {
        using var activity = DeviceTelemetry.Source.StartActivity(ActivityKind.Producer, parentContext: default,
            TraceSampling.Keep(new("iotai.model", name), new("iotai.model.version", version), new("iotai.device.id", device.DeviceId)), name: $"offer {name} {version}");
        await device.PushAsync(activity is null ? offer : offer with { TraceParent = activity.Id });
    }

    /// <summary>A device that was away gets again the offers it has not yet taken up.</summary>
    public async Task PushPendingOffersAsync()
    {
        foreach (var (name, version) in State.OfferedModels.ToList())
        {
            if (offers.Build(name, version, device.DeviceId, State.MaximumPacketSize) is { } offer)
            {
                await PushOfferAsync(offer, name, version);
            }
        }
    }

    /// <summary>Records how an update goes on the device (<c>up/model/status</c>); an offer taken up is no longer pending.</summary>
    public (UplinkReply Reply, ModelStatusReport? Report) RecordStatus(byte[] payload, string topic)
    {
        var (report, refusal) = device.ReadJson(payload, topic, ProtocolJson.Wire.ModelStatusReport, static r =>
            string.IsNullOrEmpty(r.Name) || r.Name.Length > 64 || string.IsNullOrEmpty(r.Version) || r.Version.Length > 64
            || !ModelUpdateStates.All.Contains(r.State) || r.Reason?.Length > 1024
                ? $"a model status needs a name, a version and a state out of {string.Join(", ", ModelUpdateStates.All)}"
                : null);
        if (report is null)
        {
            return (refusal!, null);
        }

        State.ModelUpdates[report.Name] = new ModelUpdate(report.Version, report.State, report.Reason, device.Clock.GetUtcNow());
        if (report.State == ModelUpdateStates.Active && State.OfferedModels.GetValueOrDefault(report.Name) == report.Version)
        {
            State.OfferedModels.Remove(report.Name);
        }

        return (new UplinkReply(UplinkOutcome.Accepted, null), report);
    }

    /// <summary>Passes a status report on to the rollout that offered the model, if one did.</summary>
    public Task TellRolloutAsync(ModelStatusReport report) => State.Rollouts.TryGetValue(report.Name, out var rollout)
        ? device.Grains.GetGrain<IRolloutGrain>(rollout).DeviceReportedAsync(device.DeviceId, report.Version, report.State, report.Reason)
        : Task.CompletedTask;

    /// <summary>
    /// Sends the cluster's model key set to a device that reports holding an older one. A device that never reports
    /// a key set version takes none, so devices that run no models are not sent keys they have no use for.
    /// </summary>
    public async Task PushKeySetIfBehindAsync()
    {
        if (State.Reported.TryGetValue(ReportedProperties.KeySetVersion, out var reported)
            && long.TryParse(reported, NumberStyles.None, CultureInfo.InvariantCulture, out var held)
            && await device.Grains.GetGrain<IModelKeySetGrain>(0).GetAsync() is { } keys
            && keys.Version > held)
        {
            await device.PushAsync(new DownlinkMessage(DownlinkKind.KeySet, keys.Payload));
        }
    }
}
