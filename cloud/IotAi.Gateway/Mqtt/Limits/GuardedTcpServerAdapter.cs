using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// The broker's TCP listener, in place of MQTTnet's own, so that every connection's bytes pass a
/// <see cref="PacketSizeGuard"/> and every socket counts against its address from the moment it is accepted.
/// It serves the default (plain) endpoint of the server options.
/// </summary>
internal sealed partial class GuardedTcpServerAdapter(int maxPacketBytes, AddressLimits addresses, GatewayTelemetry telemetry, ILogger logger) : IMqttServerAdapter
{
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TlsEndpointOptions?.IsEnabled == true)
        {
            throw new NotSupportedException("The guarded MQTT listener serves the plain endpoint only; terminate TLS in front of it.");
        }

        var endpoint = options.DefaultEndpointOptions;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(endpoint.BoundInterNetworkAddress, endpoint.Port));
        _listener.Listen(endpoint.ConnectionBacklog);
        _ = AcceptAsync(options, logger, _stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    private void Stop()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        _listener?.Dispose();
    }

    private async Task AcceptAsync(MqttServerOptions options, IMqttNetLogger mqttLogger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A client that reset before it was accepted; the listener goes on.
                LogAcceptFailed(ex.SocketErrorCode);
                continue;
            }

            _ = ServeAsync(socket, options, mqttLogger);
        }
    }

    private async Task ServeAsync(Socket socket, MqttServerOptions options, IMqttNetLogger mqttLogger)
    {
        await Task.Yield();
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        if (!addresses.TryOpen(remote.Address))
        {
            // Far past its limit an address is not even read: it could not be told anything it would heed.
            telemetry.Refused("connections_per_address");
            LogSocketRefused(remote.Address);
            socket.Dispose();
            return;
        }

        try
        {
            socket.NoDelay = options.DefaultEndpointOptions.NoDelay;
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var guard = new PacketSizeGuard(new MqttTcpChannel(stream, socket.LocalEndPoint, remote, null), maxPacketBytes, declared =>
            {
                telemetry.Refused("packet_too_large");
                LogPacketTooLarge(remote.Address, declared, maxPacketBytes);
            });
            using var adapter = new MqttChannelAdapter(guard, new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax)), mqttLogger)
            {
                AllowPacketFragmentation = options.DefaultEndpointOptions.AllowPacketFragmentation,
            };
            guard.ProtocolVersion = () => adapter.PacketFormatterAdapter.ProtocolVersion;
            if (ClientHandler is { } handler)
            {
                await handler(adapter);
            }
        }
#pragma warning disable CA1031 // One client's failure must never reach the listener.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogClientFailed(ex, remote.Address);
        }
        finally
        {
            socket.Dispose();
            addresses.Close(remote.Address);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Accepting an MQTT connection failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a socket from {Address} at once: the address holds far more connections than allowed")]
    private partial void LogSocketRefused(IPAddress address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a connection from {Address}: it declared a {Declared}-byte packet, over the {Limit}-byte limit")]
    private partial void LogPacketTooLarge(IPAddress address, long declared, int limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An MQTT connection from {Address} ended with an error")]
    private partial void LogClientFailed(Exception exception, IPAddress address);
}
