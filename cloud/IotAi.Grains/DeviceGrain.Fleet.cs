using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>
/// The device grain's part in the fleet's metrics: while active, it counts under the model versions that answer its
/// device (<c>iotai.fleet.devices</c>), and it grades the answers whose truth is known (<c>iotai.model.answers.graded</c>).
/// The counts are the silo's own, so silos that share the fleet add up to it and a silo that dies takes its share along.
/// </summary>
public sealed partial class DeviceGrain
{
    /// <summary>What this activation counts under now, so a change moves the count and deactivation takes it back.</summary>
    private Dictionary<string, RunningModel> _counted = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RecountFleet();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        TellRollouts();
        foreach (var running in _counted.Values)
        {
            telemetry.Fleet(running, -1);
        }

        _counted = [];
        return Task.CompletedTask;
    }

    /// <summary>Moves this device's count to the versions that answer it now, after its twin report or a cloud answer changed them.</summary>
    private void RecountFleet()
    {
        var now = RunningModel.Of(State.Reported, State.ModelVersions);
        foreach (var (model, running) in _counted)
        {
            if (!now.TryGetValue(model, out var still) || still != running)
            {
                telemetry.Fleet(running, -1);
            }
        }

        foreach (var (model, running) in now)
        {
            if (!_counted.TryGetValue(model, out var was) || was != running)
            {
                telemetry.Fleet(running, 1);
            }
        }

        _counted = now;
    }

    /// <summary>Notes which version the cloud answers this kind with; only a change touches the fleet's counts.</summary>
    private void Answered(PayloadKind kind, ModelManifest manifest)
    {
        var key = KindName(kind);
        if (!State.ModelVersions.TryGetValue(key, out var last) || !IsVersion(last, manifest))
        {
            State.ModelVersions[key] = $"{manifest.Name}:{manifest.Version}";
            RecountFleet();
        }

        static bool IsVersion(string pair, ModelManifest manifest) =>
            pair.Length == manifest.Name.Length + 1 + manifest.Version.Length && pair.StartsWith(manifest.Name, StringComparison.Ordinal)
            && pair[manifest.Name.Length] == ':' && pair.EndsWith(manifest.Version, StringComparison.Ordinal);
    }

    /// <summary>Grades the cloud's answer when the device knew the truth and it is one of the model's labels.</summary>
    private void GradeCloud(ModelManifest manifest, string label, string? truth)
    {
        if (truth is not null && manifest.Labels.Contains(truth, StringComparer.Ordinal))
        {
            telemetry.Graded(manifest.Name, manifest.Version, InferenceSites.Cloud, label == truth);
        }
    }

    /// <summary>
    /// Grades the edge's answers a quality report adds to the last one for the same version, for the fleet's metrics and the
    /// silo's live accuracy (the counts are cumulative; a count that went down means the device started counting again, so
    /// all of it is new).
    /// </summary>
    private void GradeEdge(ModelQualityReport report, VersionQuality? previous)
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
        capture.Accuracy.Observe(report.Name, report.Version, correct, labeled);
    }
}
