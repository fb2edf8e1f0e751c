using k8s.Models;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>
/// Something that runs pods: a Deployment, a StatefulSet or a Job. <see cref="LongRunning"/> ones serve, so
/// they need probes; a Job runs to its end.
/// </summary>
public sealed record Workload(string Kind, string Name, V1PodTemplateSpec Template, bool LongRunning)
{
    public IDictionary<string, string> Labels => Template.Metadata?.Labels ?? new Dictionary<string, string>();

    public V1PodSpec Pod => Template.Spec;

    public override string ToString() => $"{Kind} {Name}";
}
