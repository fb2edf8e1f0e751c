using System.Text.Json;
using IotAi.Learning;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Tests.Shared;

/// <summary>Sensor readings kept for learning and labelled with their truth, as capture and devices would leave them.</summary>
internal static class LabelledReadings
{
    /// <summary>
    /// Keeps <paramref name="count"/> readings of a machine whose temperature baseline moved by <paramref name="drift"/> degrees,
    /// labelled by the device unless <paramref name="labelled"/> is false; returns each sample's true label by id.
    /// </summary>
    public static Dictionary<string, string> Keep(FileSampleStore store, string model, string deviceId, int count, double drift, int seed, DateTimeOffset start, bool labelled = true)
    {
        var truth = new Dictionary<string, string>(StringComparer.Ordinal);
        var signal = new SensorSignal(seed, anomalyRate: 0.3) { Drift = drift };
        for (var seq = 1; seq <= count; seq++)
        {
            var reading = signal.Next(start.AddSeconds(seq));
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Telemetry(seq, reading.Timestamp, new Dictionary<string, double>
            {
                ["temperature"] = reading.Temperature,
                ["vibration"] = reading.Vibration,
                ["current"] = reading.Current,
            }), ProtocolJson.Wire.Telemetry);
            var id = CapturedSample.IdFor(deviceId, seq);
            truth[id] = reading.Label;
            store.Save(new CapturedSample(id, deviceId, seq, model, "1", PayloadKind.Telemetry, reading.Timestamp, "normal", 0.5f, null, CaptureReasons.HardExample,
                ContentTypes.Json, labelled ? [new SampleLabel(reading.Label, LabelSources.Device, reading.Timestamp)] : []), payload);
        }

        return truth;
    }
}
