using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// The broker's TCP listeners, in place of MQTTnet's own, so that every connection's bytes pass a
/// <see cref="PacketSizeGuard"/> and every socket counts against its address from the moment it is accepted.
/// It serves the server options' plain endpoint and, when enabled, their TLS endpoint, where the handshake
/// (with the endpoint's certificate and client-certificate check) comes before anything is read. A socket that has not
/// sent its whole CONNECT within <see cref="MqttLimitsOptions.ConnectTimeout"/> of being accepted is closed.
/// </summary>
internal sealed partial class GuardedTcpServerAdapter(
    MqttLimitsOptions limits, ushort topicAliasMaximum, AddressLimits addresses, Func<IMqttChannelAdapter, IConnectionWire, IMqttChannelAdapter> hold,
    GatewayTelemetry telemetry, TimeProvider clock, ILogger logger) : IMqttServerAdapter
{
    /// <summary>A client that opens a TLS socket and says nothing is dropped after this, so it cannot hold a slot.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DefaultEndpointOptions.IsEnabled)
        {
            Listen(options.DefaultEndpointOptions, options, logger, tls: null);
        }

        if (options.TlsEndpointOptions is { IsEnabled: true } tls)
        {
            Listen(tls, options, logger, tls);
        }

        return Task.CompletedTask;
    }

    private void Listen(MqttServerTcpEndpointBaseOptions endpoint, MqttServerOptions options, IMqttNetLogger mqttLogger, MqttServerTlsTcpEndpointOptions? tls)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.ReuseAddress || !OperatingSystem.IsWindows())
        {
            // A silo restarting on its port must not wait out the old connections' TIME_WAIT; on Linux this lets
            // it bind past them without sharing a port another process listens on.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        listener.Bind(new IPEndPoint(endpoint.BoundInterNetworkAddress, endpoint.Port));
        listener.Listen(endpoint.ConnectionBacklog);
        _listeners.Add(listener);
        _ = AcceptAsync(listener, options, mqttLogger, tls, _stopping.Token);
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

        _listeners.ForEach(static l => l.Dispose());
    }

    private async Task AcceptAsync(Socket listener, MqttServerOptions options, IMqttNetLogger mqttLogger, MqttServerTlsTcpEndpointOptions? tls, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping);
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

            _ = ServeAsync(socket, options, mqttLogger, tls);
        }
    }

    private async Task ServeAsync(Socket socket, MqttServerOptions options, IMqttNetLogger mqttLogger, MqttServerTlsTcpEndpointOptions? tls)
    {
        await Task.Yield();
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        if (addresses.TryOpen(remote.Address) is { } refusal)
        {
            // Far past its limit an address is not even read: it could not be told anything it would heed.
            telemetry.Refused(refusal);
            LogSocketRefused(remote.Address, refusal);
            socket.Dispose();
            return;
        }

        var connection = new Connection(this, remote.Address, socket);
        using var pending = new PendingConnect(clock, limits.ConnectTimeout, connection.TimedOut);
        connection.Pending = pending;
        try
        {
            socket.NoDelay = options.DefaultEndpointOptions.NoDelay;
            await using var network = new NetworkStream(socket, ownsSocket: true);
            await using var ssl = tls is null ? null : await HandshakeAsync(network, tls);
            Stream stream = ssl is null ? network : ssl;
            var clientCertificate = ssl?.RemoteCertificate is { } presented ? presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()) : null;
            var guard = new PacketSizeGuard(new MqttTcpChannel(stream, socket.LocalEndPoint, remote, clientCertificate), limits.MaxPacketBytes, connection)
            {
                Aliases = new TopicAliasProbe(topicAliasMaximum),
            };
            var adapter = new MqttChannelAdapter(guard, new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax)), mqttLogger)
            {
                AllowPacketFragmentation = options.DefaultEndpointOptions.AllowPacketFragmentation,
            };
            connection.Adapter = adapter;
            using var held = hold(adapter, guard);
            if (ClientHandler is { } handler)
            {
                await handler(held);
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
            addresses.Close(remote.Address, pending.IsPending);
        }
    }

    /// <summary>The TLS handshake, with the endpoint's certificate and its check of a client certificate; throws when it fails.</summary>
    private static async Task<SslStream> HandshakeAsync(NetworkStream network, MqttServerTlsTcpEndpointOptions tls)
    {
        var ssl = new SslStream(network, leaveInnerStreamOpen: false, tls.RemoteCertificateValidationCallback);
        try
        {
            using var handshake = new CancellationTokenSource(HandshakeTimeout);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tls.CertificateProvider.GetCertificate(),
                ClientCertificateRequired = tls.ClientCertificateRequired,
                EnabledSslProtocols = tls.SslProtocol,
                CertificateRevocationCheckMode = tls.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
            }, handshake.Token);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private void PacketTooLarge(IPAddress address, long declared)
    {
        telemetry.Refused("packet_too_large");
        LogPacketTooLarge(address, declared, limits.MaxPacketBytes);
    }

    private void AliasRefused(IPAddress address, int alias)
    {
        telemetry.Refused("topic_alias");
        LogAliasRefused(address, alias, topicAliasMaximum);
    }

    private void ExpiryRefused() => telemetry.Refused("protocol_error");

    private void ConnectArrived(IPAddress address) => addresses.ConnectReceived(address);

    private void PacketRead() => telemetry.PacketRead();

    private void ConnectTimedOut(IPAddress address, Socket socket)
    {
        telemetry.Refused("connect_timeout");
        LogConnectTimedOut(address, limits.ConnectTimeout.TotalSeconds);
        socket.Dispose();
    }

    /// <summary>One accepted socket as its guard sees it: what the guard reports goes to the listener's counters, limits and log.</summary>
    private sealed class Connection(GuardedTcpServerAdapter listener, IPAddress address, Socket socket) : IGuardWatcher
    {
        public PendingConnect? Pending { private get; set; }

        public MqttChannelAdapter? Adapter { private get; set; }

        public MqttProtocolVersion ProtocolVersion => Adapter?.PacketFormatterAdapter.ProtocolVersion ?? MqttProtocolVersion.Unknown;

        public void PacketTooLarge(long declared) => listener.PacketTooLarge(address, declared);

        public void AliasRefused(int alias) => listener.AliasRefused(address, alias);

        public void ExpiryRefused() => listener.ExpiryRefused();

        public void ConnectRead()
        {
            if (Pending?.Arrive() == true)
            {
                listener.ConnectArrived(address);
            }
        }

        public void PacketRead() => listener.PacketRead();

        /// <summary>The socket sent no whole CONNECT in time: it is closed, so it cannot hold a slot.</summary>
        public void TimedOut() => listener.ConnectTimedOut(address, socket);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Accepting an MQTT connection failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a socket from {Address} at once: the address holds more connections than allowed ({Reason})")]
    private partial void LogSocketRefused(IPAddress address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a connection from {Address}: it sent no whole CONNECT within {Seconds} s")]
    private partial void LogConnectTimedOut(IPAddress address, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a connection from {Address}: it declared a {Declared}-byte packet, over the {Limit}-byte limit")]
    private partial void LogPacketTooLarge(IPAddress address, long declared, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a connection from {Address}: it used topic alias {Alias}, outside 1 to {Maximum}")]
    private partial void LogAliasRefused(IPAddress address, int alias, ushort maximum);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An MQTT connection from {Address} ended with an error")]
    private partial void LogClientFailed(Exception exception, IPAddress address);
}
