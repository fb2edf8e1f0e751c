using Microsoft.Extensions.Options;

namespace IotAi.Edge.Tests;

public sealed class ClockSeededSequenceStoreTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task A_restarted_agent_continues_above_the_numbers_it_used_before()
    {
        var options = Options.Create(new EdgeAgentOptions { DeviceId = "pump-1" });
        var firstRun = new SequenceCounter(new ClockSeededSequenceStore(new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000))), options);
        var used = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            used.Add(await firstRun.NextAsync(CancellationToken.None));
        }

        // One second later the agent restarts with nothing remembered.
        var secondRun = new SequenceCounter(new ClockSeededSequenceStore(new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_001_000))), options);
        var next = await secondRun.NextAsync(CancellationToken.None);

        Assert.Equal([1_000_001L, 1_000_002L, 1_000_003L, 1_000_004L, 1_000_005L], used);
        Assert.True(next > used.Max(), $"the restarted agent reused a number: {next}");
    }
}
