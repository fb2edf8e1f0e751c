using IotAi.Learning;
using IotAi.Protocol;

namespace IotAi.Grains.Devices;

/// <summary>
/// How the device's own models answer, as it reports (<c>up/model/quality</c>): kept per version in the twin, and graded
/// into the fleet's metrics and the silo's live accuracy.
/// </summary>
internal sealed class EdgeQuality(DeviceActivation device, DeviceTelemetry telemetry, LiveAccuracy accuracy)
{
    /// <summary>Quality figures are kept for this many versions of a model: the running one and those before it.</summary>
    private const int MaxVersions = 3;

    /// <summary>A bound on the models a device may report on, so a confused device cannot grow its twin without end.</summary>
    private const int MaxModels = 16;

    private DeviceState State => device.State;

    /// <summary>Records a quality report received at <paramref name="now"/>; false, with the refusal, when it is not one.</summary>
    public (UplinkReply Reply, bool Recorded) Record(byte[] payload, string topic, DateTimeOffset now)
    {
        var (report, refusal) = device.ReadJson(payload, topic, ProtocolJson.Wire.ModelQualityReport, static r => r.Validate());
        if (report is null)
        {
            return (refusal!, false);
        }

        if (!State.Quality.TryGetValue(report.Name, out var versions))
        {
            if (State.Quality.Count >= MaxModels)
            {
                return (device.Invalid(topic, null, $"a device reports on at most {MaxModels} models"), false);
            }

            State.Quality[report.Name] = versions = [];
        }

        Grade(report, versions.LastOrDefault(v => v.Version == report.Version));
        versions.RemoveAll(v => v.Version == report.Version);
        versions.Add(new VersionQuality(report.Version, QualityStats.From(report), now));
        if (versions.Count > MaxVersions)
        {
            versions.RemoveAt(0);
        }

        return (new UplinkReply(UplinkOutcome.Accepted, null), true);
    }

    /// <summary>What the device last reported about each recent version of <paramref name="name"/>, oldest first.</summary>
    public IReadOnlyList<VersionQuality> Of(string name) => State.Quality.TryGetValue(name, out var versions) ? [.. versions] : [];

    /// <summary>
    /// Grades the edge's answers a report adds to the last one for the same version (the counts are cumulative; a count
    /// that went down means the device started counting again, so all of it is new).
    /// </summary>
    private void Grade(ModelQualityReport report, VersionQuality? previous)
    {
        var labeled = report.Labeled;
        var correct = report.Correct;
        if (previous is { } last && last.Stats.Labeled <= labeled && last.Stats.Correct <= correct)
        {
            labeled -= last.Stats.Labeled;
            correct -= last.Stats.Correct;
        }

        telemetry.Graded(report.Name, report.Version, InferenceSites.Edge, correct: true, correct);
        telemetry.Graded(report.Name, report.Version, InferenceSites.Edge, correct: false, labeled - correct);
        accuracy.Observe(report.Name, report.Version, correct, labeled);
    }
}
