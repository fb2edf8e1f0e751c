using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// Which topics a client may use, by its role. A device publishes only under its own <c>devices/{id}/up/</c>
/// and subscribes only under its own <c>devices/{id}/down/</c>, with no <c>+</c> wildcard (a trailing <c>#</c>
/// stays inside its own downlink). Nobody but the gateway publishes on a device's downlink.
/// </summary>
internal static class TopicAcl
{
    public static string? RefusePublish(MqttRole role, string clientId, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var underDevices = topic.StartsWith(DeviceTopics.Root + "/", StringComparison.Ordinal);
        return role switch
        {
            MqttRole.Device when !IsOwnUplink(topic, clientId) =>
                $"a device publishes only on its own topics, {DeviceTopics.Root}/{clientId}/up/…",
            MqttRole.Observer => "an observer publishes nothing",
            MqttRole.Service when underDevices => $"only devices and the gateway publish under {DeviceTopics.Root}/",
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="topic"/> is under <c>devices/{clientId}/up/</c>; checked on every publish, so without building that prefix.</summary>
    private static bool IsOwnUplink(string topic, string clientId)
    {
        var rest = topic.AsSpan();
        return rest.StartsWith(DeviceTopics.Root, StringComparison.Ordinal) && (rest = rest[DeviceTopics.Root.Length..]).StartsWith('/')
            && (rest = rest[1..]).StartsWith(clientId, StringComparison.Ordinal) && rest[clientId.Length..].StartsWith("/up/", StringComparison.Ordinal);
    }

    public static string? RefuseSubscribe(MqttRole role, string clientId, string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (role != MqttRole.Device)
        {
            return null;
        }

        var own = $"{DeviceTopics.Root}/{clientId}/down/";
        var inside = filter.StartsWith(own, StringComparison.Ordinal) && !filter.Contains('+', StringComparison.Ordinal)
            && filter.IndexOf('#', StringComparison.Ordinal) is var hash && (hash < 0 || hash == filter.Length - 1);
        return inside ? null : $"a device subscribes only to its own topics, {own}…";
    }
}
