using System.Globalization;
using System.Text.Json;
using IotAi.Learning;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Tests.Shared;

/// <summary>Sensor readings with their truth: kept for learning as capture and devices would leave them, or recorded as a CSV.</summary>
internal static class LabelledReadings
{
    /// <summary><paramref name="count"/> readings, one a second, of a machine whose temperature baseline moved by <paramref name="drift"/> degrees.</summary>
    public static IEnumerable<SensorSample> Of(int count, double drift, int seed, DateTimeOffset start)
    {
        var signal = new SensorSignal(seed, anomalyRate: 0.3) { Drift = drift };
        for (var i = 1; i <= count; i++)
        {
            yield return signal.Next(start.AddSeconds(i));
        }
    }

    /// <summary>The reading as a device sends it, with its truth when <paramref name="truth"/> (as a test rig does).</summary>
    public static byte[] Payload(SensorSample reading, long? seq = null, bool truth = false) =>
        JsonSerializer.SerializeToUtf8Bytes(new Telemetry(seq, reading.Timestamp, new Dictionary<string, double>
        {
            ["temperature"] = reading.Temperature,
            ["vibration"] = reading.Vibration,
            ["current"] = reading.Current,
        }, Label: truth ? reading.Label : null), ProtocolJson.Wire.Telemetry);

    /// <summary>
    /// Keeps <paramref name="count"/> readings of a machine whose temperature baseline moved by <paramref name="drift"/> degrees,
    /// labelled by the device unless <paramref name="labelled"/> is false, as hard examples or for the
    /// <paramref name="reasons"/> given (<see cref="CaptureReasons.Evaluation"/> for the evaluation set); returns each sample's true label by id.
    /// </summary>
    public static Dictionary<string, string> Keep(
        FileSampleStore store, string model, string deviceId, int count, double drift, int seed, DateTimeOffset start, bool labelled = true, CaptureReasons reasons = CaptureReasons.HardExample)
    {
        var truth = new Dictionary<string, string>(StringComparer.Ordinal);
        var seq = 0L;
        foreach (var reading in Of(count, drift, seed, start))
        {
            seq++;
            var id = CapturedSample.IdFor(deviceId, seq);
            truth[id] = reading.Label;
            store.Save(new CapturedSample(id, deviceId, seq, model, "1", PayloadKind.Telemetry, reading.Timestamp, "normal", 0.5f, null, reasons,
                ContentTypes.Json, labelled ? [new SampleLabel(reading.Label, LabelSources.Device, reading.Timestamp)] : []), Payload(reading, seq));
        }

        return truth;
    }

    /// <summary>Writes readings as a CSV with the given columns, each one of ts, temperature, vibration, current or the label column.</summary>
    public static void WriteCsv(string path, IEnumerable<SensorSample> readings, IReadOnlyList<string> columns, string labelColumn = "label")
    {
        using var file = new StreamWriter(path);
        file.WriteLine(string.Join(',', columns));
        foreach (var reading in readings)
        {
            file.WriteLine(string.Join(',', columns.Select(column => column switch
            {
                "ts" => reading.Timestamp.ToString("O", CultureInfo.InvariantCulture),
                "temperature" => reading.Temperature.ToString(CultureInfo.InvariantCulture),
                "vibration" => reading.Vibration.ToString(CultureInfo.InvariantCulture),
                "current" => reading.Current.ToString(CultureInfo.InvariantCulture),
                _ when column == labelColumn => reading.Label,
                _ => throw new ArgumentException($"no such column: {column}", nameof(columns)),
            })));
        }
    }
}
