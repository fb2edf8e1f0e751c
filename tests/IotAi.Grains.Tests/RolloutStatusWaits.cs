using IotAi.Grains.Rollouts;

namespace IotAi.Grains.Tests;

/// <summary>Waits on what a rollout hears one-way: its status is the only signal a test has.</summary>
internal static class RolloutStatusWaits
{
    /// <summary>Polls the rollout's status until <paramref name="done"/> holds, for up to 10 s; returns the last status seen.</summary>
    public static async Task<RolloutStatus> UntilAsync(IRolloutGrain rollout, Func<RolloutStatus, bool> done)
    {
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var status = (await rollout.GetStatusAsync())!;
        while (!done(status) && !patience.IsCancellationRequested)
        {
            await poll.WaitForNextTickAsync(CancellationToken.None);
            status = (await rollout.GetStatusAsync())!;
        }

        return status;
    }
}
