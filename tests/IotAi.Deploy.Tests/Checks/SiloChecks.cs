using System.Globalization;
using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// The silo's Deployment against what the silo and Orleans' Kubernetes hosting expect of it: the cluster labels
/// and the environment taken from them, ports that agree with its settings, probes on the health endpoints, a
/// grace period that outlasts its shutdown, and mounts where its settings look for keys.
/// </summary>
public static class SiloChecks
{
    public const string Name = "iotai-silo";
    public const string Container = "silo";

    /// <summary>The container ports the silo listens on, and the setting that tells it each one.</summary>
    public static IReadOnlyDictionary<string, string> PortSettings { get; } = new Dictionary<string, string>
    {
        ["silo"] = "Cluster:SiloPort",
        ["gateway"] = "Cluster:GatewayPort",
        ["mqtt"] = "Mqtt:Port",
        ["mqtts"] = "Mqtt:Tls:Port",
        ["http"] = "Gateway:HttpPort",
        ["metrics"] = "Gateway:MetricsPort",
    };

    private static readonly Dictionary<string, string> FieldEnvironment = new()
    {
        ["POD_NAME"] = "metadata.name",
        ["POD_NAMESPACE"] = "metadata.namespace",
        ["POD_IP"] = "status.podIP",
        ["ORLEANS_SERVICE_ID"] = "metadata.labels['orleans/serviceId']",
        ["ORLEANS_CLUSTER_ID"] = "metadata.labels['orleans/clusterId']",
    };

    private static readonly Dictionary<string, string> ProbePaths = new()
    {
        ["startup"] = "/health/startup",
        ["readiness"] = "/health/ready",
        ["liveness"] = "/health/live",
    };

    public static IEnumerable<string> Check(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var silo = set.Workload(Name);
        var container = silo.Pod.Containers.Single(static c => c.Name == Container);
        var settings = set.Settings(silo, Container);
        return Orleans(silo, container)
            .Concat(PortsAgree(silo, settings))
            .Concat(Probes(container))
            .Concat(Shutdown(silo, container, settings))
            .Concat(Mounts(silo, container, settings))
            .Concat(Scraping(silo, settings));
    }

    private static IEnumerable<string> Orleans(Workload silo, V1Container container)
    {
        foreach (var label in new[] { "orleans/serviceId", "orleans/clusterId" }.Where(l => !silo.Labels.ContainsKey(l)))
        {
            yield return $"{silo}: the pod template lacks the Orleans label {label}";
        }

        foreach (var (name, path) in FieldEnvironment)
        {
            var field = container.Env?.FirstOrDefault(e => e.Name == name)?.ValueFrom?.FieldRef?.FieldPath;
            if (field != path)
            {
                yield return $"{silo}: env {name} must come from the field {path}, not {field ?? "nowhere"}";
            }
        }
    }

    /// <summary>Whether the silo listens for plain MQTT, as it reads <c>Mqtt:PlainEnabled</c> (on unless set false).</summary>
    public static bool PlainMqttEnabled(IReadOnlyDictionary<string, string?> settings) =>
        !(settings.TryGetValue("Mqtt:PlainEnabled", out var value) && bool.TryParse(value, out var enabled) && !enabled);

    private static IEnumerable<string> PortsAgree(Workload silo, IReadOnlyDictionary<string, string?> settings)
    {
        var plain = PlainMqttEnabled(settings);
        if (!plain && Ports.Number(silo, "mqtt") is { } open)
        {
            yield return $"{silo}: plain MQTT is off (Mqtt:PlainEnabled), yet the container declares port mqtt ({open})";
        }

        foreach (var (port, setting) in PortSettings.Where(p => plain || p.Key != "mqtt"))
        {
            var number = Ports.Number(silo, port);
            var configured = settings.TryGetValue(setting, out var value) ? value : null;
            if (number is null)
            {
                yield return $"{silo}: no container port named {port}";
            }
            else if (configured != number.Value.ToString(CultureInfo.InvariantCulture))
            {
                yield return $"{silo}: port {port} is {number}, but {setting} is {configured ?? "unset"}";
            }
        }
    }

    private static IEnumerable<string> Probes(V1Container container)
    {
        var probes = new Dictionary<string, V1Probe?> { ["startup"] = container.StartupProbe, ["readiness"] = container.ReadinessProbe, ["liveness"] = container.LivenessProbe };
        foreach (var (kind, probe) in probes)
        {
            if (probe?.HttpGet is not { } get || get.Path != ProbePaths[kind] || get.Port?.Value != "http")
            {
                yield return $"the silo's {kind}Probe must GET {ProbePaths[kind]} on port http";
            }
        }
    }

    private static IEnumerable<string> Shutdown(Workload silo, V1Container container, IReadOnlyDictionary<string, string?> settings)
    {
        var pause = container.Lifecycle?.PreStop?.Sleep?.Seconds;
        if (pause is not > 0)
        {
            yield return $"{silo}: no preStop sleep, so endpoints may still send connections to a silo that stopped listening";
        }

        if (!settings.TryGetValue("Gateway:ShutdownTimeout", out var value)
            || !TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var shutdown))
        {
            yield return $"{silo}: Gateway:ShutdownTimeout is not set to a time span";
            yield break;
        }

        var grace = silo.Pod.TerminationGracePeriodSeconds ?? 30;
        if (grace <= shutdown.TotalSeconds + (pause ?? 0))
        {
            yield return $"{silo}: terminationGracePeriodSeconds {grace} does not outlast the preStop pause ({pause ?? 0} s) and Gateway:ShutdownTimeout ({shutdown})";
        }
    }

    private static IEnumerable<string> Mounts(Workload silo, V1Container container, IReadOnlyDictionary<string, string?> settings)
    {
        var mounts = container.VolumeMounts ?? [];
        var volumes = (silo.Pod.Volumes ?? []).ToDictionary(static v => v.Name);
        var data = settings.TryGetValue("Gateway:DataDirectory", out var directory) ? directory : null;
        if (mounts.FirstOrDefault(m => m.MountPath == data) is not { } dataMount || volumes[dataMount.Name].PersistentVolumeClaim is null)
        {
            yield return $"{silo}: Gateway:DataDirectory ({data ?? "unset"}) is not a mounted claim";
        }

        if (mounts.FirstOrDefault(static m => m.MountPath == "/tmp") is not { } tmp || volumes[tmp.Name].EmptyDir is null)
        {
            yield return $"{silo}: /tmp is not an emptyDir, and the root filesystem is read-only";
        }

        foreach (var setting in new[] { "Mqtt:Tls:CertificateFile", "Mqtt:Tls:KeyFile", "Models:Signing:PrivateKeyFile" })
        {
            if (!settings.TryGetValue(setting, out var file) || string.IsNullOrEmpty(file))
            {
                continue;
            }

            var mount = mounts.FirstOrDefault(m => file.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal));
            if (mount is null || volumes[mount.Name].Secret is null || mount.ReadOnlyProperty != true)
            {
                yield return $"{silo}: {setting} is {file}, which is not in a read-only mounted Secret";
            }
            else if (volumes[mount.Name].Secret.Items is { Count: > 0 } items && !items.Any(i => file.EndsWith("/" + i.Path, StringComparison.Ordinal)))
            {
                yield return $"{silo}: {setting} is {file}, which the Secret volume {mount.Name} does not project";
            }
        }
    }

    private static IEnumerable<string> Scraping(Workload silo, IReadOnlyDictionary<string, string?> settings)
    {
        var annotations = new Dictionary<string, string>(silo.Template.Metadata?.Annotations ?? new Dictionary<string, string>());
        var metrics = settings.TryGetValue("Gateway:MetricsPort", out var port) ? port : null;
        if (annotations.GetValueOrDefault("prometheus.io/scrape") != "true"
            || annotations.GetValueOrDefault("prometheus.io/port") != metrics
            || annotations.GetValueOrDefault("prometheus.io/path") != "/metrics")
        {
            yield return $"{silo}: Prometheus annotations must scrape /metrics on Gateway:MetricsPort ({metrics ?? "unset"})";
        }
    }
}
