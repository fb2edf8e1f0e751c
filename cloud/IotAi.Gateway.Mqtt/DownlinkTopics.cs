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

    /// <summary>
    /// How long a downlink may wait for an offline device, in seconds (0: as long as its session). Desired properties
    /// and offers go stale, and the device's grain sends both again when the device next subscribes; answers, errors
    /// and key sets wait, as a device may need them to settle what it sent or to trust what comes next.
    /// </summary>
    public static uint ExpiryOf(DownlinkKind kind) => kind is DownlinkKind.Desired or DownlinkKind.ModelOffer ? 3600u : 0u;

    /// <summary>The kind's name for the sent-messages counter, without boxing the enum as its <c>ToString</c> does for every answer.</summary>
    public static string NameOf(DownlinkKind kind) => kind switch
    {
        DownlinkKind.Result => nameof(DownlinkKind.Result),
        DownlinkKind.Error => nameof(DownlinkKind.Error),
        DownlinkKind.Desired => nameof(DownlinkKind.Desired),
        DownlinkKind.ModelOffer => nameof(DownlinkKind.ModelOffer),
        DownlinkKind.KeySet => nameof(DownlinkKind.KeySet),
        _ => kind.ToString(),
    };
}
