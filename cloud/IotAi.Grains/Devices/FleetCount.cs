using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Grains.Devices;

/// <summary>
/// The device's share of the fleet's metrics: while the grain is active, it counts under the model versions that answer
/// its device (<c>iotai.fleet.devices</c>). The counts are the silo's own, so silos that share the fleet add up to it and
/// a silo that dies takes its share along.
/// </summary>
internal sealed class FleetCount(DeviceActivation device, DeviceTelemetry telemetry)
{
    /// <summary>What this activation counts under now, so a change moves the count and deactivation takes it back.</summary>
    private Dictionary<string, RunningModel> _counted = [];

    /// <summary>Moves this device's count to the versions that answer it now, after its twin report or a cloud answer changed them.</summary>
    public void Recount()
    {
        var now = RunningModel.Of(device.State.Reported, device.State.ModelVersions);
        foreach (var (model, running) in _counted)
        {
            if (!now.TryGetValue(model, out var still) || still != running)
            {
                telemetry.Fleet(running, -1);
            }
        }

        foreach (var (model, running) in now)
        {
            if (!_counted.TryGetValue(model, out var was) || was != running)
            {
                telemetry.Fleet(running, 1);
            }
        }

        _counted = now;
    }

    /// <summary>Notes which version the cloud answers this kind with; only a change touches the fleet's counts.</summary>
    public void Answered(PayloadKind kind, ModelManifest manifest)
    {
        var key = PayloadKinds.Name(kind);
        if (!device.State.ModelVersions.TryGetValue(key, out var last) || !IsVersion(last, manifest))
        {
            device.State.ModelVersions[key] = $"{manifest.Name}:{manifest.Version}";
            Recount();
        }

        static bool IsVersion(string pair, ModelManifest manifest) =>
            pair.Length == manifest.Name.Length + 1 + manifest.Version.Length && pair.StartsWith(manifest.Name, StringComparison.Ordinal)
            && pair[manifest.Name.Length] == ':' && pair.EndsWith(manifest.Version, StringComparison.Ordinal);
    }

    /// <summary>Takes the device's count back, as the activation goes.</summary>
    public void Release()
    {
        foreach (var running in _counted.Values)
        {
            telemetry.Fleet(running, -1);
        }

        _counted = [];
    }
}
