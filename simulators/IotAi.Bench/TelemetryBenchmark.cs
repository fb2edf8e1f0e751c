using System.Globalization;
using IotAi.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IotAi.Bench;

/// <summary>
/// What telemetry costs: the gateway's sensor figure with the silo sending its spans, logs and metrics over
/// OTLP to a collector, against the same silo without, alternated so both see the same machine. The
/// collector is a stand-in in this process that takes every export (OTLP over HTTP) and counts its bytes.
/// </summary>
public static class TelemetryBenchmark
{
    public static async Task<TelemetryFigures> RunAsync(int devices, TimeSpan measure, CancellationToken cancellationToken)
    {
        await using var collector = await Collector.StartAsync();
        var runs = new List<(bool Traced, RateMeasurement Rate)>();
        foreach (var traced in (bool[])[false, true, false, true, false, true])
        {
            var environment = traced
                ? new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url, ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" }
                : null;
            await using var silo = await SiloProcess.StartAsync([], cancellationToken, environment: environment);
            var fleet = new FleetOptions { Devices = devices, TelemetryInterval = TimeSpan.FromMilliseconds(5), ImageEvery = 0, MaxInFlightPerDevice = 4, FirstSeq = FleetOptions.SeqFromClock() };
            runs.Add((traced, await GatewayBenchmark.RunAsync(silo, fleet, TimeSpan.FromSeconds(3), measure, cancellationToken)));
        }

        return new TelemetryFigures(Sum(runs, traced: false), Sum(runs, traced: true), collector.Requests, collector.Bytes, runs);
    }

    private static RateMeasurement Sum(List<(bool Traced, RateMeasurement Rate)> runs, bool traced)
    {
        var chosen = runs.Where(r => r.Traced == traced).Select(static r => r.Rate).ToList();
        return new RateMeasurement(chosen.Sum(static r => r.Items), TimeSpan.FromTicks(chosen.Sum(static r => r.Elapsed.Ticks)), TimeSpan.FromTicks(chosen.Sum(static r => r.Cpu.Ticks)));
    }

    /// <summary>An OTLP/HTTP endpoint that accepts every export and counts it.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _requests;
        private long _bytes;

        private Collector(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public long Requests => Interlocked.Read(ref _requests);

        public long Bytes => Interlocked.Read(ref _bytes);

        public static async Task<Collector> StartAsync()
        {
            var port = SiloProcess.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            var app = builder.Build();
            var collector = new Collector(app, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                Interlocked.Increment(ref collector._requests);
                Interlocked.Add(ref collector._bytes, body.Length);
                return Results.Ok();
            });
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The gateway's sensor figures without and with telemetry exported, and what reached the collector.</summary>
/// <param name="Off">The runs without export, added up.</param>
/// <param name="On">The runs exporting over OTLP, added up.</param>
/// <param name="Exports">Exports the collector took.</param>
/// <param name="ExportedBytes">Their bytes.</param>
/// <param name="Runs">Each run in the order it ran, off and on alternated.</param>
public sealed record TelemetryFigures(RateMeasurement Off, RateMeasurement On, long Exports, long ExportedBytes, IReadOnlyList<(bool Traced, RateMeasurement Rate)> Runs)
{
    /// <summary>On ÷ off for each pair of runs side by side (an off run and the on run after it): rate and CPU per message.</summary>
    public IReadOnlyList<(double Rate, double Cpu)> PairRatios => [.. Runs.Chunk(2).Where(static p => p.Length == 2)
        .Select(static p => (p[1].Rate.PerSecond / p[0].Rate.PerSecond, p[1].Rate.CpuMicrosPerItem / p[0].Rate.CpuMicrosPerItem))];

    public double RateRatio => On.PerSecond / Off.PerSecond;

    public double CpuRatio => On.CpuMicrosPerItem / Off.CpuMicrosPerItem;
}
