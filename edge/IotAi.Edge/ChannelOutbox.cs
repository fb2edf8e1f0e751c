using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace IotAi.Edge;

/// <summary>An in-memory <see cref="IOutbox"/>: a bounded channel of <see cref="EdgeAgentOptions.OutboxCapacity"/> samples.</summary>
public sealed class ChannelOutbox(IOptions<EdgeAgentOptions> options) : IOutbox
{
    private readonly Channel<EdgeSample> _channel = Channel.CreateBounded<EdgeSample>(
        new BoundedChannelOptions(options.Value.OutboxCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });

    public ValueTask EnqueueAsync(EdgeSample sample, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(sample, cancellationToken);

    public ValueTask<EdgeSample> ReadAsync(CancellationToken cancellationToken) =>
        _channel.Reader.ReadAsync(cancellationToken);

    // A channel hands a sample over once, so there is nothing to trim.
    public ValueTask AcknowledgeAsync(EdgeSample sample, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
