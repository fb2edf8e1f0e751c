namespace IotAi.Tests.Shared;

/// <summary>Waits on a condition by polling it, never on a fixed sleep; fails the test with <c>failure</c> at the deadline.</summary>
internal static class Eventually
{
    public static Task TrueAsync(Func<Task<bool>> condition, string failure, int seconds = 120) => TrueAsync(condition, () => failure, seconds);

    /// <summary>As above, with the failure said as things stand at the deadline.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> failure, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail(failure());
            }

            await poll.WaitForNextTickAsync();
        }
    }
}
