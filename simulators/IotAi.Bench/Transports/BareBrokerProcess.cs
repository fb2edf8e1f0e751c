using System.Diagnostics;

namespace IotAi.Bench.Transports;

/// <summary>A <see cref="BareBroker"/> in its own process (<c>iotai bench extras broker</c>), measured as the benchmarks measure a silo.</summary>
public sealed class BareBrokerProcess : IMeasuredServer, IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _asking = new(1, 1);

    private BareBrokerProcess(Process process, BrokerTransport transport, int port)
    {
        _process = process;
        Transport = transport;
        MqttPort = port;
    }

    public BrokerTransport Transport { get; }

    public string Name => Transport == BrokerTransport.Tcp ? "MQTTnet, the silo's listener (socket stream)" : "MQTTnet on Kestrel (MQTTnet.AspNetCore)";

    public int MqttPort { get; }

    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public static async Task<BareBrokerProcess> StartAsync(BrokerTransport transport, CancellationToken cancellationToken)
    {
        var port = SiloProcess.FreePort();
        var start = ThisProgram.With(["bench", "extras", "broker", "--transport", transport.ToString(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        start.RedirectStandardInput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("The broker process did not start.");
        process.ErrorDataReceived += static (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"broker: {e.Data}"); } };
        process.BeginErrorReadLine();
        var broker = new BareBrokerProcess(process, transport, port);
        await ThisProgram.WaitUntilListeningAsync(process, "broker", [port], cancellationToken);
        return broker;
    }

    /// <summary>The broker's runtime counters now.</summary>
    public async Task<BrokerStats> StatsAsync(CancellationToken cancellationToken)
    {
        await _asking.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteLineAsync(BareBroker.StatsRequest.AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The broker process exited (code {(_process.HasExited ? _process.ExitCode : -1)}) before it answered.");
            return BrokerStats.Parse(line);
        }
        finally
        {
            _asking.Release();
        }
    }

    public async Task<TimeSpan?> CompilationTimeAsync(CancellationToken cancellationToken) => (await StatsAsync(cancellationToken)).Compiling;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _asking.Dispose();
    }
}
