using System.Globalization;

namespace IotAi.Bench.Suite;

/// <summary>How long <c>iotai bench</c> measures: each figure, the steady run, and how many idle devices it holds.</summary>
public sealed record SuiteSettings(TimeSpan Measure, TimeSpan Steady, int IdleDevices)
{
    /// <summary>The command that repeats a run with these settings, for the report.</summary>
    public string Command => string.Create(CultureInfo.InvariantCulture,
        $"dotnet run -c Release --project src/IotAi.Cli -- bench --seconds {Measure.TotalSeconds} --steady-minutes {Steady.TotalMinutes} --idle-devices {IdleDevices}");
}

/// <summary>The seven measures the gateway is held to, each beside its baseline (Mosquitto, or ONNX Runtime called bare), in one run.</summary>
public static class BenchmarkSuite
{
    public static async Task<SuiteFigures> RunAsync(SuiteSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ingest = await SensorMeasures.IngestAsync(settings.Measure, cancellationToken);
        var image = await ModelMeasures.ImageAsync(settings.Measure, cancellationToken);
        var batching = await ModelMeasures.BatchingAsync(settings.Measure, cancellationToken);
        var memory = await IdleMemoryMeasure.RunAsync(settings.IdleDevices, cancellationToken);
        var (sensor, latency, steadyRun) = await SensorMeasures.EndToEndAsync(settings.Measure, settings.Steady, cancellationToken);
        var external = await SensorMeasures.ExternalAsync(settings.Measure, sensor.Mosquitto, cancellationToken);
        return new SuiteFigures(MachineDescription.Current(), settings.Command, DateTimeOffset.UtcNow, ingest, sensor, image, batching, latency, memory, steadyRun, external);
    }
}
