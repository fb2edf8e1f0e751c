namespace IotAi.Edge;

/// <summary>A sink that drops every result, for hosts that only listen to <see cref="EdgeAgent.ResultReceived"/>.</summary>
public sealed class NullResultSink : IResultSink
{
    public static NullResultSink Instance { get; } = new();

    public ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask WriteLocalAsync(LocalResult result, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
