using System.Globalization;
using IotAi.Silo;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Cli;

/// <summary>Builds a silo host as <c>cloud/IotAi.Silo</c> does, for the commands that run one.</summary>
internal static class SiloHost
{
    /// <param name="configuration">Settings as <c>--Section:Key=value</c> pairs, as for any .NET host.</param>
    /// <param name="mqttPort">Overrides <c>Mqtt:Port</c> when set.</param>
    /// <param name="quiet">Logs only warnings, for commands that draw their own console view.</param>
    public static IHost Build(string[] configuration, int? mqttPort, bool quiet)
    {
        var builder = SiloHostingExtensions.CreateBuilder(configuration);
        if (mqttPort is int port)
        {
            builder.Configuration.AddInMemoryCollection([new("Mqtt:Port", port.ToString(CultureInfo.InvariantCulture))]);
        }

        builder.Logging.AddCliConsole();
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        if (quiet)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // Start-up notes about GC settings are for operators tuning a production silo, not for a demo.
            builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddIotAiSilo();
        var app = builder.Build();
        app.UseGatewayHttp();
        app.MapIotAiEndpoints();
        return app;
    }
}
