namespace IotAi.Edge;

/// <summary>
/// Something that produces samples to send: a simulated sensor, a camera, a file of recorded readings.
/// A source only produces; it knows nothing of MQTT, sequence numbers or connection state. The agent runs
/// each active source (chosen by <see cref="Name"/> from <see cref="EdgeAgentOptions.Sources"/>) through the
/// local model into one on-disk <see cref="Queue.IOutbox"/>, bounded in bytes, so a source that outpaces the
/// link fills the queue and the queue evicts by priority. A source that ends or fails stops on its own; the
/// agent and the other sources carry on.
/// To add one, register another <see cref="ISampleSource"/> singleton and name it in the configuration.
/// </summary>
public interface ISampleSource
{
    /// <summary>The name <see cref="EdgeAgentOptions.Sources"/> selects it by.</summary>
    string Name { get; }

    /// <summary>Yields samples until the source runs dry or <paramref name="cancellationToken"/> fires.</summary>
    IAsyncEnumerable<EdgeSample> ReadAsync(CancellationToken cancellationToken);
}
