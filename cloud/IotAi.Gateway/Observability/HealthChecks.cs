using IotAi.Gateway.Mqtt;
using IotAi.Inference;
using IotAi.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace IotAi.Gateway.Observability;

/// <summary>
/// The tags a check carries: <see cref="Ready"/> checks decide whether the silo takes traffic,
/// <see cref="Startup"/> ones whether it has finished starting. Liveness runs no check: a process that answers is alive.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";
    public const string Startup = "startup";
}

/// <summary>
/// Every payload kind the registry has an active model for is served by a loaded model. A version registered or
/// promoted later does not make the silo unready while it loads: the version before it keeps serving.
/// </summary>
public sealed class ModelsLoadedCheck(ModelRegistry registry, IModelHost models) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var kinds = registry.List().Where(static m => m.State == ModelState.Active).Select(static m => m.Manifest.Kind).Distinct().ToList();
        var unserved = kinds.Where(k => models.ForKind(k) is null).ToList();
        return Task.FromResult(kinds.Count == 0 ? HealthCheckResult.Unhealthy("no model is registered to serve")
            : unserved.Count > 0 ? HealthCheckResult.Unhealthy($"no model loaded yet for {string.Join(", ", unserved)}")
            : HealthCheckResult.Healthy($"{models.Models.Count} model versions loaded"));
    }
}

/// <summary>The silo has joined its cluster and is active in it.</summary>
public sealed class SiloActiveCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy("active in its cluster")
            : HealthCheckResult.Unhealthy($"the silo is {oracle.CurrentStatus}"));
}

/// <summary>The MQTT listener is bound and accepting devices.</summary>
public sealed class MqttListeningCheck(MqttIngress ingress) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ingress.IsListening ? HealthCheckResult.Healthy($"MQTT on port {ingress.Port}") : HealthCheckResult.Unhealthy("the MQTT listener is not bound"));
}
