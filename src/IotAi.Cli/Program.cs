using System.CommandLine;
using IotAi.Cli;
using IotAi.Cli.Deploy;
using Spectre.Console;

var root = new RootCommand("IotAi: an edge-to-cloud AI gateway. With no command, runs the demo: a silo and a simulated fleet.");
var verbose = new Option<bool>("--verbose") { Description = "Show the stack trace of a failure", Recursive = true };
root.Options.Add(verbose);
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
var parse = root.Parse(CliArguments.SettingsLast(args));
CliLogging.Verbose = parse.GetValue(verbose);
if (Console.IsOutputRedirected)
{
    // A pipe or a file gets plain columns, one line per row, and no escape codes.
    AnsiConsole.Console = CliOutput.Plain(Console.Out);
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // Say what went wrong in one line; the stack trace is for --verbose.
    Console.Error.WriteLine(CliLogging.Verbose ? $"iotai: {ex}" : $"iotai: {ex.Message}");
    return 1;
}
