using System.CommandLine;
using IotAi.Simulator;

namespace IotAi.Cli;

/// <summary><c>iotai simulate</c>: a fleet of simulated devices against any MQTT host that speaks the IotAi protocol.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var fleetOptions = new FleetOptionsBinding();
        var host = new Option<string>("--host") { Description = "The gateway's host name or address", DefaultValueFactory = _ => "localhost" };
        var port = new Option<int>("--port") { Description = "The gateway's MQTT port", DefaultValueFactory = _ => 1883 };
        var seconds = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until Ctrl+C)" };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the final figures as JSON to this file" };
        var noEnrol = new Option<bool>("--no-enrol") { Description = "Connect without enrolling the devices first (a gateway with authentication off, or another broker)" };
        var silo = new SiloConnection();
        var command = new Command("simulate", "Run a simulated fleet against a gateway and show throughput, latency and accuracy") { host, port, seconds, report, noEnrol };
        silo.AddTo(command);
        foreach (var option in fleetOptions.All.Concat(fleetOptions.Load))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = fleetOptions.Read(parse, parse.GetValue(host)!, parse.GetValue(port));
            options.Duration = parse.GetValue(seconds) is double s ? TimeSpan.FromSeconds(s) : null;
            fleetOptions.ReadLoad(parse, options);
            // Devices are enrolled through the silo's API (--url, default localhost:8080, with --api-key or the local admin key).
            if (!parse.GetValue(noEnrol))
            {
                using var api = silo.Client(parse);
                await FleetEnrolment.EnrolAsync(api, options, cancellationToken);
            }

            await using var fleet = new Fleet(options);
            var last = await FleetView.ShowAsync(fleet, fleet.RunAsync(cancellationToken), $"IotAi fleet → {options.Host}:{options.Port}",
                new LearningLoopWatch(fleet, NoSiloEvents.Instance));
            Console.WriteLine("final report");
            Console.Write(FleetReport.ToText(last));
            foreach (var fault in fleet.Faults)
            {
                Console.WriteLine(FleetView.FaultLine(fault));
            }

            if (parse.GetValue(report) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, FleetReport.ToJson(last), CancellationToken.None);
            }

            return 0;
        });
        return command;
    }
}
