using System.CommandLine;
using IotAi.Cli;
using IotAi.Cli.Deploy;

var root = new RootCommand("IotAi: an edge-to-cloud AI gateway. With no command, runs the demo: a silo and a simulated fleet.");
var demo = DemoCommand.Create();
root.Subcommands.Add(demo);
root.Subcommands.Add(SiloCommand.Create());
root.Subcommands.Add(EdgeCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(DevicesCommand.Create());
root.Subcommands.Add(RolloutsCommand.Create());
root.Subcommands.Add(SamplesCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(DeployCommand.Create());
foreach (var option in demo.Options)
{
    root.Options.Add(option);
}

root.Action = demo.Action;
root.TreatUnmatchedTokensAsErrors = false;
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KeyNotFoundException or InvalidDataException or IOException or IotAi.Models.ModelVerificationException)
{
    // A refusal the user can act on: say it plainly, without a stack trace.
    Console.Error.WriteLine($"iotai: {ex.Message}");
    return 1;
}
