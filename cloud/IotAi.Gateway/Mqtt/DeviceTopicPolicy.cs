using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The default policy: no credentials are checked yet, but only the gateway itself may publish under
/// <c>devices/{id}/down/</c>, so no client can forge another device's results.
/// </summary>
public sealed class DeviceTopicPolicy : IIngressPolicy
{
    private static readonly IngressRefusal DownlinkIsGatewayOnly =
        new(IngressRefusalKind.NotAuthorized, "only the gateway publishes on devices/{id}/down/");

    public ValueTask<IngressRefusal?> AuthorizeConnectAsync(ConnectRequest request) => ValueTask.FromResult<IngressRefusal?>(null);

    public IngressRefusal? AuthorizePublish(string clientId, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!topic.StartsWith(DeviceTopics.Root + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var afterId = topic.IndexOf('/', DeviceTopics.Root.Length + 1);
        return afterId > 0 && topic.AsSpan(afterId + 1).StartsWith("down/", StringComparison.Ordinal) ? DownlinkIsGatewayOnly : null;
    }

    public IngressRefusal? AuthorizeSubscribe(string clientId, string topicFilter) => null;
}
