using System.Globalization;
using k8s.Models;
using Spectre.Console;
using IotAi.Deploy;

namespace IotAi.Cli.Deploy;

/// <summary>Writes a <see cref="DeploymentSnapshot"/> for a person: replica counts, a row per pod, the autoscaler, the disruption budget, and the verdict.</summary>
internal static class DeploymentStatusView
{
    /// <summary>The same figures for a script (<c>--json</c>): ready or not and why, the replica counts, a row per pod.</summary>
    public static object Summary(DeploymentSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var status = snapshot.Deployment?.Status;
        return new
        {
            snapshot.Namespace,
            snapshot.Name,
            Ready = snapshot.Problem is null,
            snapshot.Problem,
            Replicas = snapshot.Deployment is { } deployment
                ? new { Desired = deployment.Spec?.Replicas ?? 1, Ready = status?.ReadyReplicas ?? 0, Updated = status?.UpdatedReplicas ?? 0, Available = status?.AvailableReplicas ?? 0 }
                : null,
            Pods = snapshot.Pods.Select(static pod => new
            {
                pod.Metadata.Name,
                Phase = pod.Status?.Phase ?? "Unknown",
                Ready = (pod.Status?.ContainerStatuses ?? []).Count(static c => c.Ready),
                Containers = pod.Spec?.Containers?.Count ?? pod.Status?.ContainerStatuses?.Count ?? 0,
                Restarts = (pod.Status?.ContainerStatuses ?? []).Sum(static c => c.RestartCount),
                Node = pod.Spec?.NodeName,
                Created = pod.Metadata.CreationTimestamp,
            }),
            Autoscaler = Autoscaler(snapshot.Autoscaler),
            DisruptionBudget = DisruptionBudget(snapshot.DisruptionBudget),
        };
    }

    public static void Write(IAnsiConsole console, DeploymentSnapshot snapshot, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Deployment is not { } deployment)
        {
            console.MarkupLineInterpolated($"[red]{snapshot.Problem}[/]: apply the manifests first (iotai deploy apply)");
            return;
        }

        var status = deployment.Status ?? new V1DeploymentStatus();
        console.MarkupLineInterpolated(
            $"Deployment [bold]{snapshot.Namespace}/{snapshot.Name}[/]: {deployment.Spec?.Replicas ?? 1} desired, {status.ReadyReplicas ?? 0} ready, {status.UpdatedReplicas ?? 0} updated, {status.AvailableReplicas ?? 0} available");
        WritePods(console, snapshot.Pods, now);
        console.WriteLine(Autoscaler(snapshot.Autoscaler));
        console.WriteLine(DisruptionBudget(snapshot.DisruptionBudget));
        if (snapshot.Problem is { } problem)
        {
            console.MarkupLineInterpolated($"[red]Not ready[/]: {problem}");
        }
        else
        {
            console.MarkupLineInterpolated($"[green]Ready[/]: all {deployment.Spec?.Replicas ?? 1} replicas updated, ready and available");
        }
    }

    private static void WritePods(IAnsiConsole console, IReadOnlyList<V1Pod> pods, DateTime now)
    {
        if (pods.Count == 0)
        {
            console.WriteLine("no pods match the Deployment's selector");
            return;
        }

        var table = new Table().AddColumns("pod", "phase", "ready", "restarts", "node", "age");
        foreach (var pod in pods)
        {
            var containers = pod.Status?.ContainerStatuses ?? [];
            var declared = pod.Spec?.Containers?.Count ?? containers.Count;
            table.AddRow(
                Markup.Escape(pod.Metadata.Name),
                Markup.Escape(pod.Status?.Phase ?? "Unknown"),
                $"{containers.Count(static c => c.Ready)}/{declared}",
                containers.Sum(static c => c.RestartCount).ToString(CultureInfo.InvariantCulture),
                Markup.Escape(pod.Spec?.NodeName ?? "(not scheduled)"),
                Age(pod.Metadata.CreationTimestamp, now));
        }

        console.Write(table);
    }

    private static string Autoscaler(V2HorizontalPodAutoscaler? autoscaler)
    {
        if (autoscaler is null)
        {
            return "autoscaler: none";
        }

        var metrics = (autoscaler.Spec.Metrics ?? []).Select(spec => Metric(spec, autoscaler.Status?.CurrentMetrics?.FirstOrDefault(c => SameMetric(spec, c))));
        return string.Create(CultureInfo.InvariantCulture,
            $"autoscaler {autoscaler.Metadata.Name}: {autoscaler.Status?.CurrentReplicas ?? 0} current, {autoscaler.Status?.DesiredReplicas ?? 0} desired (min {autoscaler.Spec.MinReplicas ?? 1}, max {autoscaler.Spec.MaxReplicas}); {string.Join(", ", metrics.DefaultIfEmpty("no metrics"))}");
    }

    private static string DisruptionBudget(V1PodDisruptionBudget? budget) =>
        budget is null
            ? "disruption budget: none"
            : string.Create(CultureInfo.InvariantCulture,
                $"disruption budget {budget.Metadata.Name}: {budget.Status?.DisruptionsAllowed ?? 0} disruption(s) allowed, {budget.Status?.CurrentHealthy ?? 0} healthy of {budget.Status?.ExpectedPods ?? 0} expected");

    private static bool SameMetric(V2MetricSpec spec, V2MetricStatus current) =>
        spec.Type == current.Type && MetricName(spec) == (current.Resource?.Name ?? current.ContainerResource?.Name ?? current.Pods?.Metric?.Name ?? current.ObjectProperty?.Metric?.Name ?? current.External?.Metric?.Name);

    private static string? MetricName(V2MetricSpec spec) =>
        spec.Resource?.Name ?? spec.ContainerResource?.Name ?? spec.Pods?.Metric?.Name ?? spec.ObjectProperty?.Metric?.Name ?? spec.External?.Metric?.Name;

    /// <summary>"cpu 45% (target 70%)": the current value, unknown until metrics-server reports, against the target.</summary>
    private static string Metric(V2MetricSpec spec, V2MetricStatus? current)
    {
        var target = spec.Resource?.Target ?? spec.ContainerResource?.Target ?? spec.Pods?.Target ?? spec.ObjectProperty?.Target ?? spec.External?.Target;
        var now = current?.Resource?.Current ?? current?.ContainerResource?.Current ?? current?.Pods?.Current ?? current?.ObjectProperty?.Current ?? current?.External?.Current;
        return $"{MetricName(spec) ?? spec.Type} {Value(now?.AverageUtilization, now?.AverageValue ?? now?.Value)} (target {Value(target?.AverageUtilization, target?.AverageValue ?? target?.Value)})";
    }

    private static string Value(int? utilization, ResourceQuantity? quantity) =>
        utilization is int percent ? string.Create(CultureInfo.InvariantCulture, $"{percent}%") : quantity?.ToString() ?? "unknown";

    private static string Age(DateTime? since, DateTime now)
    {
        if (since is not { } start)
        {
            return "?";
        }

        var age = now - start.ToUniversalTime();
        return age.TotalSeconds < 0 ? "0s"
            : age.TotalMinutes < 2 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds}s")
            : age.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m")
            : age.TotalDays < 2 ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d");
    }
}
