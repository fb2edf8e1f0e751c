using System.Collections.Concurrent;
using System.Diagnostics;
using IotAi.Edge;
using IotAi.Grains;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Every offer of one model that device grains make while this lives, from the span each offer is (<c>offer {model}
/// {version}</c>, tagged with the device), with what the device's agent did about it: the steps its <c>model update</c>
/// span, a child of the offer's, records as events (downloading, verified, then active or failed). An offer is recorded
/// when it is made, whether or not the device ever answers, so a device with no offer here was offered nothing.
/// </summary>
internal sealed class RecordedOffers : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivitySpanId, Offer> _offers = new();
    private readonly ConcurrentDictionary<ActivitySpanId, (IReadOnlyList<string> Steps, DateTime Ended)> _updates = new();

    public RecordedOffers(string model)
    {
        var offer = $"offer {model} ";
        var update = $"model update {model}";
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is DeviceTelemetry.SourceName or EdgeTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Name.StartsWith(offer, StringComparison.Ordinal) || options.Name == update ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStarted = a =>
            {
                if (a.DisplayName.StartsWith(offer, StringComparison.Ordinal))
                {
                    _offers[a.SpanId] = new Offer((string)a.GetTagItem("iotai.device.id")!, (string)a.GetTagItem("iotai.model.version")!, a.StartTimeUtc, [], null);
                }
            },
            ActivityStopped = a =>
            {
                if (a.DisplayName == update)
                {
                    _updates[a.ParentSpanId] = ([.. a.Events.Select(static e => e.Name)], a.StartTimeUtc + a.Duration);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The offers made so far, oldest first, each with the steps of the update it started once that update has ended.</summary>
    public IReadOnlyList<Offer> All =>
    [
        .. _offers.Select(o => _updates.TryGetValue(o.Key, out var update) ? o.Value with { Steps = update.Steps, Ended = update.Ended } : o.Value)
            .OrderBy(static o => o.At),
    ];

    /// <summary>The devices offered <paramref name="version"/>.</summary>
    public IReadOnlySet<string> DevicesOffered(string version) => All.Where(o => o.Version == version).Select(static o => o.DeviceId).ToHashSet(StringComparer.Ordinal);

    public IReadOnlyList<Offer> To(string deviceId) => [.. All.Where(o => o.DeviceId == deviceId)];

    public void Dispose() => _listener.Dispose();

    /// <summary>One offer: to whom, of which version, when, and the steps the device's update took, ended at <paramref name="Ended"/>.</summary>
    internal sealed record Offer(string DeviceId, string Version, DateTime At, IReadOnlyList<string> Steps, DateTime? Ended);
}
