using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace IotAi.Silo;

/// <summary>The silo has joined its cluster and is active in it.</summary>
public sealed class SiloActiveCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy("active in its cluster")
            : HealthCheckResult.Unhealthy($"the silo is {oracle.CurrentStatus}"));
}
