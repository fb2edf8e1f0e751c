using System.Globalization;
using IotAi.Grains.Keys;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>The device grain's part in rolling model signing keys: the device gets the newest key set when it is behind.</summary>
public sealed partial class DeviceGrain
{
    /// <summary>
    /// Sends the cluster's model key set to a device that reports holding an older one. A device that never reports
    /// a key set version takes none, so devices that run no models are not sent keys they have no use for.
    /// </summary>
    private async Task PushKeySetIfBehindAsync()
    {
        if (State.Reported.TryGetValue(ReportedProperties.KeySetVersion, out var reported)
            && long.TryParse(reported, NumberStyles.None, CultureInfo.InvariantCulture, out var held)
            && await GrainFactory.GetGrain<IModelKeySetGrain>(0).GetAsync() is { } keys
            && keys.Version > held)
        {
            await PushAsync(new DownlinkMessage(DownlinkKind.KeySet, keys.Payload));
        }
    }
}
