namespace IotAi.Edge;

/// <summary>
/// Where answers go on the edge, for an on-site controller to act on without the cloud: the device's own
/// answer to every sample, as soon as it is made (<see cref="WriteLocalAsync"/>), and the cloud's answer to
/// each sample escalated to it (<see cref="WriteAsync"/>, on the MQTT receive path, one at a time, so a slow
/// sink delays the next downlink). A sink that fails is logged and the agent carries on.
/// </summary>
public interface IResultSink
{
    /// <summary>The cloud's answer to an escalated sample.</summary>
    ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken);

    /// <summary>The device's own answer, and whether the sample was escalated (the cloud's answer then follows).</summary>
    ValueTask WriteLocalAsync(LocalResult result, CancellationToken cancellationToken);
}
