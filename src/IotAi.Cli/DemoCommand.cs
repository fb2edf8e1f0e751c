using System.CommandLine;
using IotAi.Simulator;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai demo</c> (and plain <c>iotai</c>): a silo with its embedded broker, the default models, and a
/// simulated fleet sending sensor readings and camera images to it, with a live view until Ctrl+C.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var fleetOptions = new FleetOptionsBinding();
        var port = new Option<int>("--port") { Description = "The MQTT port the silo listens on", DefaultValueFactory = _ => 1883 };
        var command = new Command("demo", "Run a silo and a simulated fleet of devices against it, with a live view (the default)") { port };
        command.TreatUnmatchedTokensAsErrors = false;
        foreach (var option in fleetOptions.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var mqttPort = parse.GetValue(port);
            using var silo = SiloHost.Build([.. parse.UnmatchedTokens], mqttPort, quiet: true);
            AnsiConsole.MarkupLine("Starting the silo, its MQTT broker and the default models…");
            await silo.StartAsync(cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"MQTT on port [bold]{mqttPort}[/]. Any device can join, e.g. mosquitto_pub -p {mqttPort} -i my-device -t devices/my-device/up/telemetry -m '{{\"values\":{{\"temperature\":80,\"vibration\":0.3,\"current\":10}}}}'");

            var options = fleetOptions.Read(parse, "127.0.0.1", mqttPort);
            await using (var fleet = new Fleet(options))
            {
                var last = await FleetView.ShowAsync(fleet, fleet.RunAsync(cancellationToken), $"IotAi demo: {options.Devices} devices → silo on :{mqttPort}");
                Console.Write(FleetReport.ToText(last));
            }

            AnsiConsole.MarkupLine("Stopping the silo…");
            await silo.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
