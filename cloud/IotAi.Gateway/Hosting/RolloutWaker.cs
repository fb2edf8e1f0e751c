using IotAi.Grains.Rollouts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Hosting;

/// <summary>
/// Wakes every unfinished rollout when a silo has started, so a rollout carries on after the cluster
/// restarts instead of waiting for someone to ask about it.
/// </summary>
public sealed partial class RolloutWaker(IGrainFactory grains, ILogger<RolloutWaker> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var id in await grains.GetGrain<IRolloutIndexGrain>(0).ListAsync())
        {
            var rollout = grains.GetGrain<IRolloutGrain>(id);
            if ((await rollout.GetStatusAsync())?.Phase is RolloutPhase.Running or RolloutPhase.RollingBack)
            {
                await rollout.WakeAsync();
                LogWoken(id);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout} carries on")]
    private partial void LogWoken(string rollout);
}
