using IotAi.Grains;
using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt;

internal static class DownlinkTopics
{
    public static string For(string deviceId, DownlinkKind kind) => kind switch
    {
        DownlinkKind.Result => DeviceTopics.Result(deviceId),
        DownlinkKind.Error => DeviceTopics.Error(deviceId),
        DownlinkKind.Desired => DeviceTopics.Desired(deviceId),
        DownlinkKind.ModelOffer => DeviceTopics.ModelOffer(deviceId),
        DownlinkKind.KeySet => DeviceTopics.KeySet(deviceId),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown downlink kind."),
    };
}
