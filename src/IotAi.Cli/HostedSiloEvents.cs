using IotAi.Gateway.Learning;
using IotAi.Grains.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace IotAi.Cli;

/// <summary>
/// The learning loop of the silo this process hosts, read from its own services: the runs its triggers started,
/// each run's status (<see cref="TrainingService"/>, as <c>GET /api/training/{id}</c> serves it) and the status of
/// the rollout a run started (as <c>GET /api/rollouts/{id}</c>), said as events by a <see cref="LearningEventFeed"/>.
/// </summary>
internal sealed class HostedSiloEvents(IServiceProvider services) : ISiloEvents
{
    private readonly TrainingTriggers _triggers = services.GetRequiredService<TrainingTriggers>();
    private readonly TrainingService _training = services.GetRequiredService<TrainingService>();
    private readonly IGrainFactory _grains = services.GetRequiredService<IGrainFactory>();
    private readonly LearningEventFeed _feed = new();
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    public LoopTally? Tally => _feed.Tally;

    public async Task<IReadOnlyList<string>> PollAsync(CancellationToken cancellationToken)
    {
        var events = new List<string>();
        foreach (var run in _triggers.Started.Where(r => !_finished.Contains(r.RunId)))
        {
            events.AddRange(_feed.Observe(run));
            if (_training.Find(run.RunId) is not { } status)
            {
                continue;
            }

            events.AddRange(_feed.Observe(status));
            var rolloutDone = true;
            if (status.Rollout is { } id && await _grains.GetGrain<IRolloutGrain>(id).GetStatusAsync() is { } rollout)
            {
                events.AddRange(_feed.Observe(rollout));
                rolloutDone = rollout.Phase is RolloutPhase.Completed or RolloutPhase.RolledBack or RolloutPhase.Aborted;
            }

            if (status.State != TrainingStates.Running && rolloutDone)
            {
                _finished.Add(run.RunId);
            }
        }

        return events;
    }
}
