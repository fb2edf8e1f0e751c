using System.CommandLine;
using IotAi.Cli;

var root = new RootCommand("IotAi: an edge-to-cloud AI gateway. With no command, runs the demo: a silo and a simulated fleet.");
var demo = DemoCommand.Create();
root.Subcommands.Add(demo);
root.Subcommands.Add(SiloCommand.Create());
root.Subcommands.Add(EdgeCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
foreach (var option in demo.Options)
{
    root.Options.Add(option);
}

root.Action = demo.Action;
root.TreatUnmatchedTokensAsErrors = false;
return await root.Parse(args).InvokeAsync();
