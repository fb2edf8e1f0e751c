using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IotAi.Protocol;
using IotAi.ServiceDefaults;

namespace IotAi.Grains;

/// <summary>The device grain's part in model updates: offering versions and recording what the device reports.</summary>
public sealed partial class DeviceGrain
{
    /// <summary>Quality figures are kept for this many versions of a model: the running one and those before it.</summary>
    private const int MaxQualityVersions = 3;

    /// <summary>A bound on the models a device may report on, so a confused device cannot grow its twin without end.</summary>
    private const int MaxQualityModels = 16;

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
        await PushOfferAsync(offer, name, version);
    }

    /// <summary>Pushes an offer under a span of its own, always kept, whose context the device's download and swap continue.</summary>
    private async Task PushOfferAsync(DownlinkMessage offer, string name, string version)
    {
        using var activity = DeviceTelemetry.Source.StartActivity(ActivityKind.Producer, parentContext: default,
            TraceSampling.Keep(new("iotai.model", name), new("iotai.model.version", version), new("iotai.device.id", DeviceId)), name: $"offer {name} {version}");
        await PushAsync(activity is null ? offer : offer with { TraceParent = activity.Id });
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
        var (report, refusal) = ReadJson(payload, topic, ProtocolJson.Wire.ModelStatusReport, static r =>
            string.IsNullOrEmpty(r.Name) || r.Name.Length > 64 || string.IsNullOrEmpty(r.Version) || r.Version.Length > 64
            || !ModelUpdateStates.All.Contains(r.State) || r.Reason?.Length > 1024
                ? $"a model status needs a name, a version and a state out of {string.Join(", ", ModelUpdateStates.All)}"
                : null);
        if (report is null)
        {
            return (refusal!, null);
        }

        State.ModelUpdates[report.Name] = new ModelUpdate(report.Version, report.State, report.Reason, clock.GetUtcNow());
        if (report.State == ModelUpdateStates.Active && State.OfferedModels.GetValueOrDefault(report.Name) == report.Version)
        {
            State.OfferedModels.Remove(report.Name);
        }

        return (new UplinkReply(UplinkOutcome.Accepted, null), report);
    }

    public async Task<UplinkReply> ReportModelQualityAsync(byte[] payload, string topic)
    {
        var now = clock.GetUtcNow();
        State.LastSeen = now;
        var (report, refusal) = ReadJson(payload, topic, ProtocolJson.Wire.ModelQualityReport, static r => r.Validate());
        if (report is null)
        {
            return refusal!;
        }

        if (!State.Quality.TryGetValue(report.Name, out var versions))
        {
            if (State.Quality.Count >= MaxQualityModels)
            {
                return Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, $"a device reports on at most {MaxQualityModels} models");
            }

            State.Quality[report.Name] = versions = [];
        }

        GradeEdge(report, versions.LastOrDefault(v => v.Version == report.Version));
        versions.RemoveAll(v => v.Version == report.Version);
        versions.Add(new VersionQuality(report.Version, QualityStats.From(report), now));
        if (versions.Count > MaxQualityVersions)
        {
            versions.RemoveAt(0);
        }

        await twin.WriteStateAsync();
        return new UplinkReply(UplinkOutcome.Accepted, null);
    }

    public Task<IReadOnlyList<VersionQuality>> GetModelQualityAsync(string name) =>
        Task.FromResult<IReadOnlyList<VersionQuality>>(State.Quality.TryGetValue(name, out var versions) ? [.. versions] : []);

    /// <summary>Reads a JSON control message; a payload that does not parse or fails <paramref name="check"/> gets an error reply.</summary>
    private (T? Value, UplinkReply? Refusal) ReadJson<T>(byte[] payload, string topic, JsonTypeInfo<T> type, Func<T, string?> check)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(payload, type);
        }
        catch (JsonException ex)
        {
            return (null, Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, $"invalid JSON: {ex.Message}"));
        }

        var error = value is null ? "the payload is empty JSON" : check(value);
        return error is null ? (value, null) : (null, Reject(topic, null, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, error));
    }

    /// <summary>A device that was away gets again the offers it has not yet taken up.</summary>
    private async Task PushPendingOffersAsync()
    {
        foreach (var (name, version) in State.OfferedModels.ToList())
        {
            if (offers.Build(name, version) is { } offer)
            {
                await PushOfferAsync(offer, name, version);
            }
        }
    }
}
