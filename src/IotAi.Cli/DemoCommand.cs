using System.CommandLine;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai demo</c> (and plain <c>iotai</c>): a silo with its embedded broker, the default models, and a
/// simulated fleet sending sensor readings and camera images to it, with a live view until Ctrl+C. A minute
/// in, the simulated world drifts; the view shows accuracy fall, the silo retrain on the labels the devices
/// sent, roll the new versions out, and accuracy come back.
/// </summary>
internal static class DemoCommand
{
    /// <summary>When the demo's world drifts unless told otherwise: a minute of the old world first, to see it answered well.</summary>
    public static readonly TimeSpan DriftAt = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The demo's silo retrains within minutes rather than the production defaults' tens of minutes: triggers
    /// checked every 5 s, at most one run per model every 30 s, a run after 300 new labels (while the model answers
    /// worse than its best), live accuracy in windows of 100 graded answers, a larger share of samples kept (every
    /// image) and kept apart for evaluation (a fifth of the readings, three tenths of the images), and 50 evaluation
    /// samples enough to judge a candidate on, so a few minutes of a small fleet hold enough labels. Settings given
    /// on the command line come after these and win.
    /// </summary>
    internal static readonly string[] LoopSettings =
    [
        "--Learning:Training:CheckInterval=00:00:05",
        "--Learning:Training:MinInterval=00:00:30",
        "--Learning:Training:AfterNewLabels=300",
        "--Learning:Training:AccuracyWindow=100",
        "--Learning:Training:MinEvaluationSamples=50",
        "--Learning:Capture:Default:RandomFraction=0.3",
        "--Learning:Capture:Default:EvaluationFraction=0.2",
        "--Learning:Capture:Default:PerDevicePerHour=100000",
        "--Learning:Capture:Models:shape-classifier:RandomFraction=1",
        "--Learning:Capture:Models:shape-classifier:EvaluationFraction=0.3",
        "--Learning:Capture:Models:shape-classifier:PerDevicePerHour=100000",
    ];

    public static Command Create()
    {
        var fleetOptions = new FleetOptionsBinding(DriftAt);
        var port = new Option<int>("--port") { Description = "The MQTT port the silo listens on", DefaultValueFactory = _ => 1883 };
        var command = new Command("demo", "Run a silo and a simulated fleet of devices against it, with a live view of the learning loop (the default)") { port };
        command.TreatUnmatchedTokensAsErrors = false;
        foreach (var option in fleetOptions.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var mqttPort = parse.GetValue(port);
            using var silo = SiloHost.Build([.. LoopSettings, .. parse.UnmatchedTokens], mqttPort, quiet: true);
            AnsiConsole.MarkupLine("Starting the silo, its MQTT broker and the default models…");
            await silo.StartAsync(cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"MQTT on port [bold]{mqttPort}[/]. Devices prove who they are: enrol one with [bold]iotai devices enrol my-device[/], then e.g. mosquitto_pub -p {mqttPort} -i my-device -u my-device -P <its secret> -t devices/my-device/up/telemetry -m '{{\"values\":{{\"temperature\":80,\"vibration\":0.3,\"current\":10}}}}'");

            var gateway = silo.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<IotAi.Grains.Hosting.GatewayOptions>>().Value;
            AnsiConsole.MarkupLineInterpolated($"Ops dashboard: [bold]http://localhost:{gateway.HttpPort}/dashboard#key=<admin key>[/], the key being in {Path.Combine(gateway.Layout.Keys, IotAi.Gateway.Http.Security.ApiKeyStore.AdminKeyFileName)}");

            var options = fleetOptions.Read(parse, "127.0.0.1", mqttPort);
            await FleetEnrolment.EnrolAsync(silo.Services.GetRequiredService<DeviceCredentials>(), options);
            if (options.Drift.At is { } at)
            {
                AnsiConsole.MarkupLineInterpolated($"The simulated world drifts after {at.TotalSeconds:0} s (--drift-at, --drift, --image-drift, --no-drift); the silo retrains by itself.");
            }

            await using (var fleet = new Fleet(options))
            {
                var watch = new LearningLoopWatch(fleet, new HostedSiloEvents(silo.Services));
                var last = await FleetView.ShowAsync(fleet, fleet.RunAsync(cancellationToken), $"IotAi demo: {options.Devices} devices → silo on :{mqttPort}", watch);
                Console.Write(FleetReport.ToText(last));
                foreach (var e in watch.Events)
                {
                    Console.WriteLine(e);
                }
            }

            AnsiConsole.MarkupLine("Stopping the silo…");
            await silo.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
