using IotAi.Simulator;
using IotAi.Synthetic;

namespace IotAi.Simulator.Tests;

/// <summary>
/// Replays the fleet's seeded generators (signal and camera seeded with Seed + index) to know the right label of
/// every (device, seq) without trusting the simulator: labels depend only on the seed and the order of draws.
/// </summary>
public sealed class GroundTruth(FleetOptions options)
{
    private readonly Dictionary<string, DeviceTruth> _devices = [];
    private readonly Lock _lock = new();

    public string Label(string deviceId, long seq)
    {
        lock (_lock)
        {
            var index = int.Parse(deviceId[(deviceId.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (!_devices.TryGetValue(deviceId, out var device))
            {
                device = new DeviceTruth(new SensorSignal(options.Seed + index, options.AnomalyRate), new SyntheticCamera(options.Seed + index));
                _devices[deviceId] = device;
            }

            while (device.Labels.Count < seq)
            {
                var next = device.Labels.Count + 1;
                var isImage = options.IsImage(index, next);
                device.Labels.Add(isImage ? device.Camera.Next().Label : device.Signal.Next(DateTimeOffset.UnixEpoch).Label);
            }

            return device.Labels[(int)seq - 1];
        }
    }

    private sealed record DeviceTruth(SensorSignal Signal, SyntheticCamera Camera)
    {
        public List<string> Labels { get; } = [];
    }
}
