using System.Text.Json;
using IotAi.Learning;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Tests.Shared;

/// <summary>Sensor readings kept for learning and labelled with their truth, as capture and devices would leave them.</summary>
internal static class LabelledReadings
{
    /// <summary>Keeps <paramref name="count"/> readings of a machine whose temperature baseline moved by <paramref name="drift"/> degrees.</summary>
    public static void Keep(FileSampleStore store, string model, string deviceId, int count, double drift, int seed, DateTimeOffset start)
    {
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
            store.Save(new CapturedSample(CapturedSample.IdFor(deviceId, seq), deviceId, seq, model, "1", PayloadKind.Telemetry, reading.Timestamp,
                "normal", 0.5f, null, CaptureReasons.HardExample, ContentTypes.Json, [new SampleLabel(reading.Label, LabelSources.Device, reading.Timestamp)]), payload);
        }
    }
}
