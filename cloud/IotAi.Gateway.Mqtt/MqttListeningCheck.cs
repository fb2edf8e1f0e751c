using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAi.Gateway.Mqtt;

/// <summary>The MQTT listener is bound and accepting devices.</summary>
internal sealed class MqttListeningCheck(MqttIngress ingress) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ingress.IsListening ? HealthCheckResult.Healthy($"MQTT on port {ingress.Port}") : HealthCheckResult.Unhealthy("the MQTT listener is not bound"));
}
