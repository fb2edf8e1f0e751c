using System.Net;
using IotAi.Gateway.Http;
using IotAi.Gateway.Http.Https;
using IotAi.Gateway.Http.Security;
using IotAi.Gateway.Learning;
using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Storage;
using IotAi.Grains;
using IotAi.Grains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Silo;

/// <summary>
/// Composes one IotAi silo from its parts: the grains and the model host they run on, grain storage, the learning
/// service, the MQTT front and the HTTP front, each added by its own <c>AddXxx()</c>.
/// </summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// A web application builder for a silo, as <see cref="WebApplication.CreateBuilder(string[])"/> makes one, except that
    /// its settings files are read at start and not watched. Watching them watches the whole content root, subfolders
    /// included, and the default data directory (<c>.iotai</c>) lies inside it: every journal and sample write then woke
    /// the file watcher, which built strings for each event (4 % of a busy silo's allocations). Settings that must change
    /// at run time are changed by restarting the pod, as a ConfigMap's are anyway. <c>--hostBuilder:reloadConfigOnChange=true</c>
    /// turns watching back on.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);

    /// <summary>
    /// Makes this host one IotAi silo: clustering (localhost by default, or Redis membership, with Kubernetes hosting in a
    /// pod), grain state (files under the data directory, or a database), the grains and their model host, the learning
    /// service, the embedded MQTT broker; on a web application also HTTP on <c>Gateway:HttpPort</c> (unless
    /// <c>Gateway:Https:DisableHttp</c>), HTTPS on <c>Gateway:Https:Port</c> when set, and plain HTTP on
    /// <c>Gateway:MetricsPort</c> when set, for <see cref="MapIotAiEndpoints"/>.
    /// </summary>
    public static IHostApplicationBuilder AddIotAiSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var gateway = Bind<GatewayOptions>(builder, GatewayOptions.SectionName);
        var cluster = Bind<ClusterOptions>(builder, ClusterOptions.SectionName);
        var security = Bind<ApiSecurityOptions>(builder, ApiSecurityOptions.SectionName);
        var storage = Bind<GrainStorageOptions>(builder, GrainStorageOptions.SectionName);
        var https = Bind<HttpsOptions>(builder, HttpsOptions.SectionName);

        // Hosted services start in the order they are added: API keys (the generated admin key is on disk before anything
        // listens), the shipped models on disk, then loaded, then the silo (whose start publishes the model key set devices
        // are given), then MQTT. They stop in reverse: MQTT first (devices are told to use another silo), then the silo.
        builder.Services.AddGatewayHttp(gateway.Layout, security);
        // Its in-memory key ring protects nothing (see AddIotAiApiSecurity), so its warning about unencrypted keys is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddIotAiSiloServices(gateway, storage);
        builder.UseOrleans(silo => ClusterSetup.Configure(silo, cluster, builder.Configuration));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = gateway.ShutdownTimeout);
        builder.Services.AddGatewayMqtt();
        builder.Services.PostConfigure<MqttTlsOptions>(tls => tls.SelfSignedDirectory = string.IsNullOrEmpty(tls.SelfSignedDirectory) ? gateway.KeysDirectory : tls.SelfSignedDirectory);
        builder.AddSiloObservability();
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGateway(IPAddress.Parse(gateway.HttpBindAddress), gateway.HttpPort, gateway.MetricsPort, https));
        }

        return builder;
    }

    /// <summary>Maps the silo's HTTP endpoints (see <c>MapGatewayHttp</c>).</summary>
    public static IEndpointRouteBuilder MapIotAiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGatewayHttp(endpoints.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.MetricsPort);
    }

    /// <summary>
    /// Everything a silo runs but its clustering and its two fronts: the grains with their model host (the shipped
    /// models installed into an empty registry), grain state as <paramref name="storage"/> says (files under
    /// <paramref name="gateway"/>'s data directory by default), the learning service, and device identity. Test
    /// clusters use it, so they run what a real silo runs.
    /// </summary>
    public static IServiceCollection AddIotAiSiloServices(this IServiceCollection services, GatewayOptions gateway, GrainStorageOptions? storage = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        services.AddIotAiGrains(gateway);
        services.AddGatewayStorage(DeviceGrain.StorageName, storage ?? new GrainStorageOptions(),
            new FileGrainStorageOptions { Directory = gateway.StateDirectory, Fsync = gateway.FsyncState, CompactInterval = gateway.StateCompactInterval });
        services.AddGatewayLearning(gateway.Layout);
        services.AddDeviceIdentity();
        services.AddHostedService<IdleMemoryRelease>();
        return services;
    }

    /// <summary>Binds and validates options now, because clustering and storage are chosen while the host is built.</summary>
    private static T Bind<T>(IHostApplicationBuilder builder, string section)
        where T : class, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        var value = new T();
        builder.Configuration.GetSection(section).Bind(value);
        return value;
    }
}
