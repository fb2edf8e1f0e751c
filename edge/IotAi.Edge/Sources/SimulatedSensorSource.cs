using System.Runtime.CompilerServices;
using System.Text.Json;
using IotAi.Edge.Twin;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// A seeded machine (<see cref="SensorSignal"/>) read every <see cref="EdgeAgentOptions.SensorInterval"/>, or
/// as often as the desired property <c>sensorIntervalMs</c> says.
/// </summary>
public sealed class SimulatedSensorSource(IOptions<EdgeAgentOptions> options, LiveSettings live, TimeProvider timeProvider) : ISampleSource
{
    public const string SourceName = "sensor";

    public string Name => SourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var signal = new SensorSignal(settings.EffectiveSeed);
        using var timer = new LiveTimer(live, static l => l.SensorInterval, timeProvider);
        do
        {
            var now = timeProvider.GetUtcNow();
            signal.Drift = live.SensorDrift;
            var reading = signal.Next(now);
            var values = new Dictionary<string, double>(3)
            {
                ["temperature"] = reading.Temperature,
                ["vibration"] = reading.Vibration,
                ["current"] = reading.Current,
            };
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Telemetry(null, now, values), ProtocolJson.Wire.Telemetry);
            yield return new EdgeSample(PayloadKind.Telemetry, payload, ContentTypes.Json, now, reading.Label);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
