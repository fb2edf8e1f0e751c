using System.Buffers;
using IotAi.Gateway.Mqtt.Sessions;
using IotAi.Grains.Broker;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>MQTTnet's messages as the silos carry them to each other (<see cref="RelayedMessage"/>), and back.</summary>
internal static class RelayedMessages
{
    /// <summary>A client's publish as it is carried to another silo, with the seconds it has left and without the expiry stamp.</summary>
    public static RelayedMessage From(MqttApplicationMessage message, TimeProvider time)
    {
        var properties = message.UserProperties;
        var expiry = 0u;
        if (MessageExpiry.TryRead(properties, out var deadline, out var stamp))
        {
            expiry = MessageExpiry.SecondsLeft(deadline, time);
            properties = MessageExpiry.WithoutStamp(properties!, stamp);
        }

        return new RelayedMessage(
            message.Topic,
            message.Payload.ToArray(),
            (int)message.QualityOfServiceLevel,
            expiry,
            message.ContentType,
            message.ResponseTopic,
            message.CorrelationData,
            message.PayloadFormatIndicator == MqttPayloadFormatIndicator.CharacterData,
            properties?.Select(static p => KeyValuePair.Create(p.Name, p.ValueBuffer.ToArray())).ToList(),
            message.Retain,
            SharedTo: null);
    }

    /// <param name="relayed">The message as another silo, or the cluster's store, sent it.</param>
    /// <param name="retain">Whether MQTTnet is to keep it as the topic's retained message: another silo's retained publish is, unless a newer one is held here.</param>
    /// <param name="time">The clock its expiry is stamped by.</param>
    public static MqttApplicationMessage ToMessage(RelayedMessage relayed, bool retain, TimeProvider time)
    {
        var message = new MqttApplicationMessage
        {
            Topic = relayed.Topic,
            Payload = new ReadOnlySequence<byte>(relayed.Payload),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)relayed.QualityOfService,
            MessageExpiryInterval = relayed.ExpirySeconds,
            ContentType = relayed.ContentType,
            ResponseTopic = relayed.ResponseTopic,
            CorrelationData = relayed.CorrelationData,
            PayloadFormatIndicator = relayed.PayloadIsUtf8 ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified,
            UserProperties = relayed.UserProperties?.Select(static p => new MqttUserProperty(p.Key, p.Value.AsMemory())).ToList(),
            Retain = retain,
        };
        MessageExpiry.Stamp(message, time);
        return message;
    }
}
