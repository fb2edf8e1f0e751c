namespace IotAi.Cli;

/// <summary>What a silo says happened in its learning loop since the last poll; <see cref="NoSiloEvents"/> when the view watches no silo.</summary>
internal interface ISiloEvents
{
    Task<IReadOnlyList<string>> PollAsync(CancellationToken cancellationToken);

    /// <summary>How the runs and rollouts polled so far ended; null without a silo to hear.</summary>
    Gateway.Learning.LoopTally? Tally { get; }
}

/// <summary>For a fleet against a gateway this process does not host: nothing to hear.</summary>
internal sealed class NoSiloEvents : ISiloEvents
{
    public static NoSiloEvents Instance { get; } = new();

    public Task<IReadOnlyList<string>> PollAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Gateway.Learning.LoopTally? Tally => null;
}
