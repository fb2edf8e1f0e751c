using IotAi.Grains.Rollouts;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace IotAi.Grains.Hosting;

/// <summary>
/// Wakes every unfinished rollout once a silo is active, so a rollout carries on after the cluster
/// restarts instead of waiting for someone to ask about it.
/// </summary>
public sealed partial class RolloutWaker(IGrainFactory grains, ILogger<RolloutWaker> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(RolloutWaker), ServiceLifecycleStage.Active, StartAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout} carries on")]
    private partial void LogWoken(string rollout);
}
