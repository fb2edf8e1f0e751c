namespace IotAi.Edge;

/// <summary>
/// Where results go on the edge besides <see cref="EdgeAgent.ResultReceived"/>: the local consumer of the
/// cloud's answers. It is called on the MQTT receive path, one result at a time, so a slow sink delays the
/// next downlink; a sink that fails is logged and the agent carries on.
/// </summary>
public interface IResultSink
{
    ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken);
}
