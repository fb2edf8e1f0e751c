using IotAi.Models;
using IotAi.Client;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IotAi.Bench;

/// <summary>
/// A silo in its own process (<c>iotai silo</c>), so its CPU time can be read apart from the load generator's.
/// </summary>
public sealed class SiloProcess : IMeasuredServer, IAsyncDisposable
{
    /// <summary>
    /// The garbage collector's settings deploy/silo/Dockerfile sets, as the runtime's environment variables: the server
    /// collector without DATAS, and a 64 MiB gen0 budget (which the runtime reads from the environment only).
    /// </summary>
    internal static IReadOnlyDictionary<string, string> ShippedGcSettings { get; } = new Dictionary<string, string>
    {
        ["DOTNET_gcServer"] = "1",
        ["DOTNET_GCDynamicAdaptationMode"] = "0",
        ["DOTNET_GCgen0size"] = "0x4000000",
    };

    /// <summary>.NET's own <c>System.Runtime</c> counter of the time its just-in-time compiler has run.</summary>
    private const string CompilationTimeMetric = "dotnet_jit_compilation_time_seconds_total";

    private static readonly HttpClient Scraper = new();

    private readonly Process _process;
    private readonly DirectoryInfo _data;

    private SiloProcess(Process process, DirectoryInfo data, int mqttPort, int httpPort)
    {
        _process = process;
        _data = data;
        MqttPort = mqttPort;
        HttpPort = httpPort;
    }

    public string Name => "IotAi silo";

    public int MqttPort { get; }

    public int HttpPort { get; }

    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>Keeps the silo to the cores in <paramref name="cores"/> (a mask), as a pod's CPU limit would.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void KeepTo(nint cores) => _process.ProcessorAffinity = cores;

    /// <summary>The silo's Prometheus exposition, which needs no credentials.</summary>
    public Task<string> ScrapeMetricsAsync(CancellationToken cancellationToken) =>
        Scraper.GetStringAsync(new Uri($"http://127.0.0.1:{HttpPort}/metrics"), cancellationToken);

    public async Task<TimeSpan?> CompilationTimeAsync(CancellationToken cancellationToken) =>
        TimeSpan.FromSeconds(PrometheusText.Sum(await ScrapeMetricsAsync(cancellationToken), CompilationTimeMetric));

    /// <summary>A client for the silo's HTTP API, as the admin whose key it generated on start.</summary>
    public IotAiClient Connect() => IotAiClient.Create(new Uri($"http://127.0.0.1:{HttpPort}"), File.ReadAllText(new DataLayout(_data.FullName).AdminApiKey).Trim());

    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <param name="settings">More <c>--Section:Key=value</c> settings.</param>
    /// <param name="data">The data directory to use (deleted afterwards); a new temporary one when null.</param>
    /// <param name="cancellationToken">Stops waiting for the silo to listen.</param>
    /// <param name="environment">Environment variables for the silo, such as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</param>
    public static async Task<SiloProcess> StartAsync(IEnumerable<string> settings, CancellationToken cancellationToken, DirectoryInfo? data = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var arguments = settings.ToArray();
        data ??= Directory.CreateTempSubdirectory("iotai-bench-");
        var mqttPort = FreePort();
        var httpPort = FreePort();
        var start = ThisProgram.With(["silo",
            $"--Mqtt:Port={mqttPort}", "--Mqtt:BindAddress=127.0.0.1",
            $"--Gateway:HttpPort={httpPort}", "--Gateway:HttpBindAddress=127.0.0.1",
            $"--Cluster:SiloPort={FreePort()}", $"--Cluster:GatewayPort={FreePort()}",
            $"--Gateway:DataDirectory={data.FullName}", "--Logging:LogLevel:Default=Warning",
            // Devices connect without enrolling, as they do to the Mosquitto baseline; a secret is checked once per connection anyway.
            "--Mqtt:Authentication:Mode=None", "--Mqtt:Tls:Enabled=false", .. arguments]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The silo process did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"silo: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var silo = new SiloProcess(process, data, mqttPort, httpPort);
        // A silo attached to the user's broker listens for no devices: only its HTTP side is waited for.
        var attached = arguments.Any(static s => s.StartsWith("--Mqtt:External:Host=", StringComparison.Ordinal));
        await ThisProgram.WaitUntilListeningAsync(process, "silo", attached ? [httpPort] : [mqttPort, httpPort], cancellationToken);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _data.Delete(recursive: true);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"silo pid {_process.Id} on :{MqttPort}");
}
