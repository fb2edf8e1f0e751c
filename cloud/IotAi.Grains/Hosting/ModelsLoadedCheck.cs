using IotAi.Inference;
using IotAi.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAi.Grains.Hosting;

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
