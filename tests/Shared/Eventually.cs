namespace IotAi.Tests.Shared;

/// <summary>Waits on a condition by polling it, never on a fixed sleep; fails the test with <c>failure</c> at the deadline.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await poll.WaitForNextTickAsync();
        }
    }
}
