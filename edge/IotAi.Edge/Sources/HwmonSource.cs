using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using IotAi.Edge.Twin;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// Reads the device's own temperature sensors through Linux hwmon (<c>/sys/class/hwmon/hwmon*/temp*_input</c>,
/// in millidegrees Celsius) every sensor interval, as one reading with a value in degrees per sensor, named
/// after the chip and the sensor's label, e.g. <c>coretemp_package_id_0</c> or <c>cpu_thermal_temp1</c>.
/// A device without hwmon sensors logs that and the source ends.
/// </summary>
public sealed partial class HwmonSource(
    IOptions<EdgeAgentOptions> options,
    LiveSettings live,
    TimeProvider timeProvider,
    ILogger<HwmonSource> logger) : ISampleSource
{
    public const string SourceName = "hwmon";

    public string Name => SourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var root = options.Value.HwmonRoot;
        var sensors = Discover(root);
        if (sensors.Count == 0)
        {
            LogNoSensors(logger, root);
            yield break;
        }

        LogFound(logger, sensors.Count, sensors.Keys);
        using var timer = new LiveTimer(live, static l => l.SensorInterval, timeProvider);
        do
        {
            var values = new Dictionary<string, double>(sensors.Count, StringComparer.Ordinal);
            foreach (var (name, file) in sensors)
            {
                // A sensor can vanish or fail a read (a hot-plugged device); the others still count.
                if (long.TryParse(await TryReadAsync(file, cancellationToken), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milli))
                {
                    values[name] = milli / 1000.0;
                }
            }

            if (values.Count > 0)
            {
                var now = timeProvider.GetUtcNow();
                yield return new EdgeSample(PayloadKind.Telemetry, JsonSerializer.SerializeToUtf8Bytes(new Telemetry(null, now, values), ProtocolJson.Wire.Telemetry), ContentTypes.Json, now);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>Every temperature input under <paramref name="root"/>, by the name its value gets.</summary>
    public static SortedDictionary<string, string> Discover(string root)
    {
        var sensors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
        {
            return sensors;
        }

        foreach (var chip in Directory.EnumerateDirectories(root))
        {
            var chipName = ReadText(Path.Combine(chip, "name")) ?? Path.GetFileName(chip);
            foreach (var input in Directory.EnumerateFiles(chip, "temp*_input"))
            {
                var channel = Path.GetFileName(input)[..^"_input".Length];
                var label = ReadText(Path.Combine(chip, channel + "_label")) ?? channel;
                sensors[Sanitize($"{chipName}_{label}")] = input;
            }
        }

        return sensors;
    }

    private static async Task<string?> TryReadAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            return (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadText(string file) => File.Exists(file) ? File.ReadAllText(file).Trim() : null;

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return builder.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No hwmon temperature sensors under {Root}; the hwmon source has nothing to read")]
    private static partial void LogNoSensors(ILogger logger, string root);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Count} hwmon temperature sensors: {Names}")]
    private static partial void LogFound(ILogger logger, int count, IEnumerable<string> names);
}
