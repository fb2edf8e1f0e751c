using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>The device grain's part in model updates: offering versions and recording what the device reports.</summary>
public sealed partial class DeviceGrain
{
    public async Task OfferModelAsync(string name, string version, string? rolloutId = null)
    {
        var offer = offers.Build(name, version) ?? throw new KeyNotFoundException($"{name} version {version} is not registered.");
        State.OfferedModels[name] = version;
        if (rolloutId is null)
        {
            State.Rollouts.Remove(name);
        }
        else
        {
            State.Rollouts[name] = rolloutId;
        }

        await twin.WriteStateAsync();
        await PushAsync(offer);
    }

    public async Task<UplinkReply> ReportModelStatusAsync(byte[] payload, string topic)
    {
        State.LastSeen = clock.GetUtcNow();
        var (reply, report) = RecordModelStatus(payload, topic);
        await twin.WriteStateAsync();
        if (report is not null && State.Rollouts.TryGetValue(report.Name, out var rollout))
        {
            await GrainFactory.GetGrain<Rollouts.IRolloutGrain>(rollout).DeviceReportedAsync(DeviceId, report.Version, report.State, report.Reason);
        }

        return reply;
    }

    private (UplinkReply Reply, ModelStatusReport? Report) RecordModelStatus(byte[] payload, string topic)
    {
        ModelStatusReport? report;
        try
        {
            report = JsonSerializer.Deserialize(payload, ProtocolJson.Wire.ModelStatusReport);
        }
        catch (JsonException ex)
        {
            return (Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, $"invalid JSON: {ex.Message}"), null);
        }

        if (report is null || string.IsNullOrEmpty(report.Name) || report.Name.Length > 64 || string.IsNullOrEmpty(report.Version) || report.Version.Length > 64
            || !ModelUpdateStates.All.Contains(report.State) || report.Reason?.Length > 1024)
        {
            return (Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid,
                $"a model status needs a name, a version and a state out of {string.Join(", ", ModelUpdateStates.All)}"), null);
        }

        State.ModelUpdates[report.Name] = new ModelUpdate(report.Version, report.State, report.Reason, clock.GetUtcNow());
        if (report.State == ModelUpdateStates.Active && State.OfferedModels.GetValueOrDefault(report.Name) == report.Version)
        {
            State.OfferedModels.Remove(report.Name);
        }

        return (new UplinkReply(UplinkOutcome.Accepted, null), report);
    }

    /// <summary>A device that was away gets again the offers it has not yet taken up.</summary>
    private async Task PushPendingOffersAsync()
    {
        foreach (var (name, version) in State.OfferedModels.ToList())
        {
            if (offers.Build(name, version) is { } offer)
            {
                await PushAsync(offer);
            }
        }
    }
}
