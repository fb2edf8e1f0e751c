using System.Net;
using System.Net.Sockets;
using IotAi.Silo;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Http;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Tests.Shared;

/// <summary>A whole silo as <c>iotai silo</c> runs it, on free loopback ports and a data directory of the test's choosing.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayHost(IHost host, int mqttPort, int httpPort, string adminKey)
    {
        _host = host;
        MqttPort = mqttPort;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        Http = Connect(adminKey);
    }

    public int MqttPort { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client for the silo's HTTP endpoints, as an admin.</summary>
    public HttpClient Http { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// A client that calls with <paramref name="apiKey"/> as its bearer token, or with no credentials; from
    /// <paramref name="from"/> (a loopback address of the test's own, see <see cref="SourceAddress"/>) when given.
    /// </summary>
    public HttpClient Connect(string? apiKey, IPAddress? from = null)
    {
        var http = from is null ? new HttpClient() : new HttpClient(From(from));
        http.BaseAddress = BaseAddress;
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return http;
    }

    /// <summary>A handler whose connections leave from <paramref name="address"/>, so the silo sees the call come from there.</summary>
    private static SocketsHttpHandler From(IPAddress address) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(address, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <param name="adminKey">The key of an admin that <paramref name="settings"/> configure; without one, <see cref="Http"/> uses the admin key the silo generates.</param>
    /// <param name="logs">Also receives every log entry, from <see cref="LogLevel.Information"/> up.</param>
    /// <param name="services">Changes the silo's services after they are added, e.g. to give one part a fake clock.</param>
    public static async Task<GatewayHost> StartAsync(
        string dataDirectory, IReadOnlyDictionary<string, string?>? settings = null, string? adminKey = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        // A free port can be taken between finding it and binding it, by another test process's outgoing
        // connection: then the silo starts again on new ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(dataDirectory, settings, adminKey, logs, services);
            }
            catch (Exception ex) when (attempt < 5 && IsAddressInUse(ex))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<GatewayHost> TryStartAsync(
        string dataDirectory, IReadOnlyDictionary<string, string?>? settings, string? adminKey, ILoggerProvider? logs, Action<IServiceCollection>? services)
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(GatewayHost).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = dataDirectory,
            ["Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:BindAddress"] = "127.0.0.1",
            ["Gateway:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:HttpBindAddress"] = "127.0.0.1",
            ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = $"e2e-{Guid.NewGuid():N}",
            // Small chunks, so even the default models travel in many pieces.
            ["Models:Ota:ChunkSize"] = "16384",
            // Devices connect without enrolling unless a test is about identity (IdentityTests turn it back on).
            ["Mqtt:Authentication:Mode"] = "None",
            // Plain MQTT only, so parallel silos do not fight over 8883; TlsTests give theirs a port of its own.
            ["Mqtt:Tls:Enabled"] = "false",
            // Tests sharing a silo keep labelled samples of their own; no run starts unless a test asks.
            ["Learning:Training:CheckInterval"] = "1.00:00:00",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(logs is null ? LogLevel.Warning : LogLevel.Information);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.AddIotAiSilo();
        services?.Invoke(builder.Services);
        var host = builder.Build();
        host.UseGatewayHttp();
        host.MapIotAiEndpoints();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            // What started before the failure (the silo, the MQTT listener) lets its ports go before a retry.
            await host.StopAsync();
            await host.DisposeAsync();
            throw;
        }

        adminKey ??= await File.ReadAllTextAsync(Path.Combine(dataDirectory, "keys", ApiKeyStore.AdminKeyFileName));
        return new GatewayHost(host, mqttPort, httpPort, adminKey.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }
}
