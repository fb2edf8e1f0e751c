using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// Answers for PUBLISHes the gateway did not send (too large, expired, no room), handed to MQTTnet's session as if the
/// client had sent them: PUBACK for QoS 1; PUBREC for QoS 2, then PUBCOMP for the PUBREL the session sends back, which
/// the client must not see. Without them the session would keep each such PUBLISH and send it again at every reconnect.
/// </summary>
internal sealed class UnsentAnswers
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<MqttPacket> _answers = new();
    private readonly HashSet<ushort> _exactlyOnce = [];

    public bool IsEmpty => _answers.IsEmpty;

    public void Answer(MqttPublishPacket publish)
    {
        switch (publish.QualityOfServiceLevel)
        {
            case MqttQualityOfServiceLevel.AtLeastOnce:
                _answers.Enqueue(new MqttPubAckPacket { PacketIdentifier = publish.PacketIdentifier });
                break;
            case MqttQualityOfServiceLevel.ExactlyOnce:
                lock (_exactlyOnce)
                {
                    _exactlyOnce.Add(publish.PacketIdentifier);
                }

                _answers.Enqueue(new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier });
                break;
        }
    }

    /// <summary>Takes the PUBREL of a QoS 2 PUBLISH that was not sent, and answers it with PUBCOMP; false for any other.</summary>
    public bool TakeRelease(MqttPubRelPacket release)
    {
        lock (_exactlyOnce)
        {
            if (!_exactlyOnce.Remove(release.PacketIdentifier))
            {
                return false;
            }
        }

        _answers.Enqueue(new MqttPubCompPacket { PacketIdentifier = release.PacketIdentifier });
        return true;
    }

    public bool TryTake(out MqttPacket answer) => _answers.TryDequeue(out answer!);
}
