using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

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
        var start = new ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        // The same garbage collector settings as a silo in the benchmarks, so the transports are compared as the silo would run them.
        start.Environment[SiloProcess.Gen0SizeVariable] = SiloProcess.ShippedGen0Size;
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.FileName = self;
        foreach (var argument in (string[])["bench", "extras", "broker", "--transport", transport.ToString(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The broker process did not start.");
        process.ErrorDataReceived += static (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"broker: {e.Data}"); } };
        process.BeginErrorReadLine();
        var broker = new BareBrokerProcess(process, transport, port);
        await broker.WaitUntilListeningAsync(cancellationToken);
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

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The broker process exited with code {_process.ExitCode} before it listened.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, MqttPort, cancellationToken);
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }
}
