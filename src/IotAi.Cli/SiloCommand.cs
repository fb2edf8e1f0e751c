using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace IotAi.Cli;

/// <summary><c>iotai silo</c>: one silo with its embedded MQTT broker, until Ctrl+C.</summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var command = new Command("silo", "Run one silo with its embedded MQTT broker. Settings go as --Section:Key=value (see the README).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var host = SiloHost.Build([.. parse.UnmatchedTokens], mqttPort: null, quiet: false);
            await host.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
