using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace IotAi.Tests.Shared;

/// <summary>
/// One silo as production runs it (the <c>IotAi.Silo</c> program) in a process of its own, with the settings it is given
/// (a cluster on Redis membership with grain state in PostgreSQL, or a lone silo): a test can kill it outright (SIGKILL)
/// or stop it as Kubernetes does (SIGTERM), and read its memory from the OS and its meters from <c>/metrics</c>.
/// </summary>
internal sealed class SiloNode : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _settings;
    private Process? _process;

    public SiloNode(string name, IEnumerable<string> clusterSettings, string logDirectory)
    {
        Name = name;
        Log = Path.Combine(logDirectory, $"{name}.log");
        _settings = [.. clusterSettings];
        ChoosePorts();
    }

    /// <summary>
    /// Takes new free ports for the silo's MQTT and HTTP listeners: for a first start that found a port taken between
    /// choosing it and binding it (another test process's connection). A restart keeps its ports, as a Service does.
    /// </summary>
    public void ChoosePorts() => (MqttPort, HttpPort) = (FreePort.Next(), FreePort.Next());

    public string Name { get; }

    /// <summary>Everything the silo wrote, across its restarts.</summary>
    public string Log { get; }

    public int MqttPort { get; private set; }

    public int HttpPort { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "IotAi.Silo.dll"));
        // Silo-to-silo ports of its own each time, as a replaced pod comes back at a new address; the devices' way in
        // (the load balancer, here the MQTT port) stays.
        foreach (var setting in (string[])[.. _settings,
            $"--Mqtt:Port={MqttPort}", "--Mqtt:BindAddress=127.0.0.1", $"--Gateway:HttpPort={HttpPort}", "--Gateway:HttpBindAddress=127.0.0.1",
            $"--Cluster:SiloPort={FreePort.Next()}", $"--Cluster:GatewayPort={FreePort.Next()}"])
        {
            start.ArgumentList.Add(setting);
        }

        _process = LocalServer.Start(start, Log);
    }

    /// <summary>Ready as Kubernetes asks: models loaded, silo active in the cluster, MQTT listening.</summary>
    public async Task<bool> IsReadyAsync()
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException($"silo {Name} exited with code {_process?.ExitCode} before it was ready:{Environment.NewLine}{LocalServer.Tail(Log)}");
        }

        try
        {
            using var http = new HttpClient();
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/health/ready"))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>A client for this silo's management API, as the admin whose key the first silo generated into the shared data directory.</summary>
    public HttpClient Api(string dataDirectory)
    {
        var key = File.ReadAllText(Path.Combine(dataDirectory, "keys", "api-admin.key")).Trim();
        var http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}")) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Keeps the silo process to the given cores (a bit mask), e.g. so a load generator has the others.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void KeepTo(nint cores) => _process!.ProcessorAffinity = cores;

    /// <summary>The CPU time the silo process has used, across its threads.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process!.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The silo process's resident memory as the OS counts it (<c>VmRSS</c>).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process!.Id}/status").First(static l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>The sum of the samples of one metric family at the silo's <c>/metrics</c>, as Prometheus would scrape it.</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}/metrics")));
        return PrometheusText.Parse(text).Where(s => s.Name == name).Sum(static s => s.Value);
    }

    /// <summary>SIGKILL: a power cut, a node lost. Nothing of the silo runs after it.</summary>
    public async Task KillAsync()
    {
        var process = _process!;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the silo sends its devices away, then leaves the cluster.</summary>
    public async Task StopAsync()
    {
        var process = _process!;
        await LocalServer.RunAsync("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await LocalServer.StopAsync(_process);
        }
    }
}
