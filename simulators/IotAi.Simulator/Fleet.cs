using IotAi.Simulator.Faults;
using IotAi.Simulator.Replay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IotAi.Simulator;

/// <summary>
/// A fleet of simulated devices in one process, each with its own MQTT connection, sending seeded telemetry and
/// camera frames whose labels are known, so the gateway's accuracy and round-trip latency can be measured.
/// </summary>
/// <remarks>
/// One MQTTnet client per device. A device that only connects holds its client and little else (its generators
/// come with its first send), so a fleet of tens of thousands can sit idle to measure a broker's memory per
/// connection; see docs/simulator.md for what one device costs.
/// </remarks>
public sealed partial class Fleet : IAsyncDisposable
{
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(10);

    private readonly FleetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SimulatedDevice[] _devices;
    private readonly FaultSchedule _faults;
    private bool _connected;
    private bool _ran;
    private long _sendingSince;

    public Fleet(FleetOptions options, ILogger<Fleet>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<Fleet>.Instance;
        // A bad replay file fails here, before any connection is opened.
        Replay = options.ReplayFile is { } file ? CsvReplay.Load(file) : null;
        _faults = new FaultSchedule(options.Faults, options.Seed, _time);
        var slow = _faults.SlowDevices(options.Devices);
        _devices = new SimulatedDevice[options.Devices];
        for (var i = 0; i < _devices.Length; i++)
        {
            _devices[i] = new SimulatedDevice(i, options, Statistics, _time, _logger, Replay, slow.Contains(i) ? options.Faults.SlowLink : null);
        }

        DeviceIds = [.. _devices.Select(static d => d.Id)];
    }

    public FleetStatistics Statistics { get; } = new();

    public IReadOnlyList<string> DeviceIds { get; }

    /// <summary>How long the devices have been sending, on the fleet's clock; zero before they start.</summary>
    public TimeSpan Sending => Volatile.Read(ref _sendingSince) is > 0 and var since ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Whether the world has drifted by now, as <see cref="FleetOptions.Drift"/> plans.</summary>
    public bool Drifted => Volatile.Read(ref _sendingSince) > 0 && _options.Drift.IsDue(Sending);

    public DriftPlan Drift => _options.Drift;

    /// <summary>The recorded readings the devices replay, when <see cref="FleetOptions.ReplayFile"/> is set.</summary>
    public CsvReplay? Replay { get; }

    /// <summary>The storms and pauses carried out so far, with the devices each hit.</summary>
    public IReadOnlyList<FaultEvent> Faults => _faults.Events;

    /// <summary>Connects every device and subscribes it to its downlink; throws if any device cannot.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connected)
        {
            return;
        }

        var started = _time.GetTimestamp();
        await Parallel.ForEachAsync(
            _devices,
            new ParallelOptions { MaxDegreeOfParallelism = _options.ConnectConcurrency, CancellationToken = cancellationToken },
            static (device, ct) => new ValueTask(device.ConnectAsync(ct)));
        _connected = true;
        var elapsed = _time.GetElapsedTime(started);
        LogConnected(_logger, _devices.Length, _options.Host, _options.Port, elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// Runs once. Connects (unless <see cref="ConnectAsync"/> already did), sends until <see cref="FleetOptions.Duration"/>,
    /// <see cref="FleetOptions.MessagesPerDevice"/> or cancellation, waits up to <see cref="FleetOptions.DrainTimeout"/>
    /// for the last results, counts the rest as timeouts, and disconnects. Cancellation ends the run normally.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A second run would restart every seq at 1, which the gateway drops as duplicates.
        if (_ran)
        {
            throw new InvalidOperationException("A fleet runs once; create a new one for another run.");
        }

        _ran = true;
        await ConnectAsync(cancellationToken);

        using var duration = _options.Duration is { } limit
            ? new CancellationTokenSource(limit, _time)
            : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, duration.Token);

        Statistics.Start();
        // A timestamp of 0 would read as "not started"; no real or fake clock is at its very origin here.
        var since = Math.Max(1, _time.GetTimestamp());
        Volatile.Write(ref _sendingSince, since);
        var interval = _options.TelemetryInterval;
        using var faultsDone = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var faults = _faults.RunAsync(_devices, _time.GetUtcNow(), faultsDone.Token);
        await Task.WhenAll(_devices.Select((device, i) => device.RunAsync(interval * i / _devices.Length, since, stop.Token)));
        await faultsDone.CancelAsync();
        await faults;

        await DrainAsync();
        foreach (var device in _devices)
        {
            device.ExpireAll();
        }

        await DisconnectAsync();
        var snapshot = Statistics.Snapshot();
        LogFinished(_logger, snapshot.Sent, snapshot.Results, snapshot.Errors, snapshot.Timeouts, snapshot.Elapsed.TotalSeconds);
    }

    public async ValueTask DisposeAsync()
    {
        // Also after a failed connect, which leaves some devices connected and _connected false.
        await DisconnectAsync();

        foreach (var device in _devices)
        {
            device.Dispose();
        }
    }

    private async Task DrainAsync()
    {
        // Polling a counter is cheaper than a signal that every reply on every device would have to check.
        var deadline = _time.GetTimestamp();
        while (Statistics.Outstanding > 0 && _time.GetElapsedTime(deadline) < _options.DrainTimeout)
        {
            await Task.Delay(DrainPoll, _time);
        }
    }

    private async Task DisconnectAsync()
    {
        _connected = false;
        await Parallel.ForEachAsync(
            _devices,
            new ParallelOptions { MaxDegreeOfParallelism = _options.ConnectConcurrency },
            async (device, ct) =>
            {
                try
                {
                    await device.DisconnectAsync(ct);
                }
#pragma warning disable CA1031 // The broker may already be gone; closing the rest matters more than this one.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogDisconnectFailed(_logger, ex, device.Id);
                }
            });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected {Devices} devices to {Host}:{Port} in {ElapsedMs:F0} ms")]
    private static partial void LogConnected(ILogger logger, int devices, string host, int port, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet run finished: {Sent} sent, {Results} results, {Errors} errors, {Timeouts} timeouts in {ElapsedSeconds:F1} s")]
    private static partial void LogFinished(ILogger logger, long sent, long results, long errors, long timeouts, double elapsedSeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} did not disconnect cleanly")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string deviceId);
}
