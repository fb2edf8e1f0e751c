using System.Globalization;
using IotAi.Deploy.Tests.Manifests;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>Container ports, by name or number, as Services and network policies target them.</summary>
public static class Ports
{
    /// <summary>Whether a container of <paramref name="workload"/> declares <paramref name="port"/> (a name, or a number).</summary>
    public static bool Has(Workload workload, string port)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var ports = workload.Pod.Containers.SelectMany(static c => c.Ports ?? []);
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? ports.Any(p => p.ContainerPort == number)
            : ports.Any(p => p.Name == port);
    }

    /// <summary>The number of the container port named <paramref name="name"/>, or null.</summary>
    public static int? Number(Workload workload, string name)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return workload.Pod.Containers.SelectMany(static c => c.Ports ?? []).FirstOrDefault(p => p.Name == name)?.ContainerPort;
    }
}
