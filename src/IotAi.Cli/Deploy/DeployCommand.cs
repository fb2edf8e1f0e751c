using System.CommandLine;
using System.Globalization;
using k8s;
using Spectre.Console;
using IotAi.Deploy;

namespace IotAi.Cli.Deploy;

/// <summary>
/// <c>iotai deploy</c>: render the Kubernetes manifests of an overlay and check them strictly, apply them with
/// server-side apply, and show whether the silos are up (docs/deploy.md, <i>The iotai deploy command</i>).
/// Output goes to the invocation's writers, so the commands can be run and read in-process.
/// </summary>
internal static class DeployCommand
{
    public const string SiloDeployment = "iotai-silo";

    /// <param name="renderer">How manifests are rendered; tests give one with a kubectl that is not there.</param>
    public static Command Create(ManifestRenderer? renderer = null)
    {
        renderer ??= new ManifestRenderer();
        var overlay = new Option<string>("--overlay")
        {
            Description = "dev, prod, base, or the path of a kustomization folder",
            DefaultValueFactory = _ => "dev",
        };
        return new Command("deploy", "Render, apply and follow the gateway's Kubernetes manifests (deploy/k8s)")
        {
            Render(renderer, overlay), Apply(renderer, overlay), Status(),
        };
    }

    private static Command Render(ManifestRenderer renderer, Option<string> overlay)
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write the YAML to this file instead of standard output" };
        var command = new Command("render", "Render an overlay with kubectl kustomize and load every object strictly, as apply would") { overlay, output };
        command.SetAction((parse, ct) => RunAsync(parse, async () =>
        {
            var rendered = await renderer.RenderAsync(ManifestRenderer.Resolve(parse.GetValue(overlay)!, Environment.CurrentDirectory), ct);
            if (parse.GetValue(output) is { } file)
            {
                file.Directory?.Create();
                await File.WriteAllTextAsync(file.FullName, rendered.Yaml, ct);
                Out(parse).WriteLine($"{rendered.Objects.Count} objects of {rendered.Kustomization.FullName} written to {file.FullName}");
            }
            else
            {
                await Out(parse).WriteAsync(rendered.Yaml);
            }

            return 0;
        }));
        return command;
    }

    private static Command Apply(ManifestRenderer renderer, Option<string> overlay)
    {
        var cluster = new ClusterConnection();
        var dryRun = new Option<bool>("--dry-run") { Description = "Have the API server check and merge every object without storing it (dryRun=All)" };
        var fieldManager = new Option<string>("--field-manager") { Description = "The field manager that owns the applied fields", DefaultValueFactory = _ => "iotai" };
        var command = new Command("apply", "Render an overlay and apply every object with server-side apply, namespace first") { overlay, dryRun, fieldManager };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(parse, async () =>
        {
            var rendered = await renderer.RenderAsync(ManifestRenderer.Resolve(parse.GetValue(overlay)!, Environment.CurrentDirectory), ct);
            var config = cluster.Configure(parse);
            using var client = new Kubernetes(config);
            var applier = new ServerSideApplier(client, parse.GetValue(fieldManager)!, parse.GetValue(dryRun), config.Namespace ?? "default");
            var objects = ApplyOrder.Sort(rendered.Objects);
            Out(parse).WriteLine($"Applying {objects.Count} objects of {rendered.Kustomization.FullName} to {config.Host}{(config.CurrentContext is { } c ? $" (context {c})" : "")}{(parse.GetValue(dryRun) ? ", dry run" : "")}");
            for (var i = 0; i < objects.Count; i++)
            {
                try
                {
                    Out(parse).WriteLine(await applier.ApplyAsync(objects[i], ct));
                }
                catch (ApplyRefusedException refused)
                {
                    throw new InvalidOperationException(
                        string.Create(CultureInfo.InvariantCulture, $"{refused.Message} ({i} of {objects.Count} objects were applied before it; the rest were not sent)"), refused);
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var cluster = new ClusterConnection();
        var ns = new Option<string>("--namespace", "-n") { Description = "The namespace the silos run in", DefaultValueFactory = _ => "iotai" };
        var wait = new Option<bool>("--wait") { Description = "Watch the silo Deployment until every replica is updated and ready, or --timeout passes" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds --wait waits before it gives up", DefaultValueFactory = _ => 300 };
        var json = CliOutput.JsonFlag();
        var command = new Command("status", $"Show the silo Deployment ({SiloDeployment}), its pods, autoscaler and disruption budget; non-zero unless all replicas are ready")
        {
            ns, wait, timeout, json,
        };
        cluster.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(parse, async () =>
        {
            using var client = new Kubernetes(cluster.Configure(parse));
            var reader = new DeploymentStatusReader(client, parse.GetValue(ns)!, SiloDeployment);
            if (parse.GetValue(wait))
            {
                // With --json standard output holds the JSON alone, so the waiting is said on standard error.
                var say = parse.GetValue(json) ? System.Console.Error : Out(parse);
                var seconds = parse.GetValue(timeout);
                say.WriteLine($"Waiting up to {seconds} s for {parse.GetValue(ns)}/{SiloDeployment} to be ready…");
                if (!await reader.WaitUntilReadyAsync(TimeSpan.FromSeconds(seconds), ct))
                {
                    say.WriteLine($"Gave up after {seconds} s. As it stands:");
                }
            }

            var snapshot = await reader.ReadAsync(ct);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(DeploymentStatusView.Summary(snapshot), Out(parse));
            }
            else
            {
                DeploymentStatusView.Write(Console(parse), snapshot, DateTime.UtcNow);
            }

            return snapshot.Problem is null ? 0 : 1;
        }));
        return command;
    }

    /// <summary>Runs a command; a failure the user can act on is one line on the error writer and exit code 1, not a stack trace.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ApiServerReplies.IsUserFacing(ex))
        {
            await (parse.InvocationConfiguration.Error ?? System.Console.Error).WriteLineAsync($"iotai: {ApiServerReplies.Describe(ex)}");
            return 1;
        }
    }

    private static TextWriter Out(ParseResult parse) => parse.InvocationConfiguration.Output ?? System.Console.Out;

    /// <summary>A console on the invocation's output; colours only for a terminal, plain text into a file, a pipe or a test.</summary>
    private static IAnsiConsole Console(ParseResult parse)
    {
        var output = Out(parse);
        var terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
    }
}
