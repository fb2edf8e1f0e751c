using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Grains.Hosting;
using IotAi.Inference;
using IotAi.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace IotAi.Tests.Shared;

/// <summary>
/// A cluster of silos in the test process, each with its own plain MQTT listener on a free loopback port, sharing one
/// data directory as silos on one machine do (one registry, one signing key), with the small pixel model for images.
/// </summary>
internal static class InProcessSilos
{
    /// <param name="more">Further settings for every silo's services.</param>
    /// <param name="gateway">Settings of every silo's <see cref="GatewayOptions"/> beyond the data directory.</param>
    public static InProcessTestCluster Build(int silos, string dataDirectory, Action<IServiceCollection>? more = null, Action<GatewayOptions>? gateway = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            var port = FreePort.Next();
            var options = new GatewayOptions { DataDirectory = dataDirectory };
            gateway?.Invoke(options);
            silo.Services.AddIotAiSiloServices(options);
            silo.Services.PostConfigure<ModelHostOptions>(static m => m.ShippedImageModel = IotAi.Models.ShippedImageModel.Pixels);
            silo.Services.AddGatewayMqtt();
            silo.Services.Configure<MqttTlsOptions>(static o => o.Enabled = false);
            silo.Services.Configure<MqttIngressOptions>(o =>
            {
                o.Port = port;
                o.BindAddress = "127.0.0.1";
            });
            more?.Invoke(silo.Services);
        });
        return builder.Build();
    }

    /// <summary>The port a silo's MQTT listener took.</summary>
    public static int MqttPort(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<MqttIngress>().Port;
}
