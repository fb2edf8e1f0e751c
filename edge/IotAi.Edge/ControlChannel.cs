using System.Diagnostics;
using System.Text;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Edge;

/// <summary>
/// Model fetches and status reports: QoS 1, sent once the connection is up, carrying the context of the span they
/// are sent in (a model update's), if any.
/// </summary>
public sealed class ControlChannel(EdgeConnection connection)
{
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        await connection.WaitConnectedAsync(cancellationToken);
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithContentType(ContentTypes.Json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (Activity.Current?.Id is { } traceParent)
        {
            builder.WithUserProperty(UserProperties.TraceParent, Encoding.UTF8.GetBytes(traceParent));
        }

        await connection.PublishAsync(builder.Build(), cancellationToken);
    }
}
