using System.CommandLine;
using IotAi.Cli.Deploy;

namespace IotAi.Cli.Tests.Deploy;

/// <summary>One <c>iotai deploy …</c> run in-process: its exit code and what it wrote to standard output and error.</summary>
internal sealed record DeployRun(int ExitCode, string Output, string Error)
{
    public static Task<DeployRun> RunAsync(params string[] args) => RunAsync(DeployCommand.Create(), args);

    public static async Task<DeployRun> RunAsync(Command deploy, string[] args, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // Unexpected exceptions fail the test with their stack; only refusals the user can act on become exit codes.
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        var code = await new RootCommand { deploy }.Parse(["deploy", .. args]).InvokeAsync(configuration, cancellationToken);
        return new DeployRun(code, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- output\n{Output}\n--- error\n{Error}";
}

/// <summary>A kubeconfig in a test's folder: context <c>fake</c> for the fake API server, <c>unreachable</c> for a port nobody serves.</summary>
internal static class TestKubeconfig
{
    public static string Write(string directory, Uri server, string currentContext = "fake")
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {server.ToString().TrimEnd('/')}
              - name: unreachable
                cluster:
                  server: http://127.0.0.1:9
            contexts:
              - name: fake
                context: {"{"} cluster: fake, user: tester, namespace: iotai {"}"}
              - name: unreachable
                context: {"{"} cluster: unreachable, user: tester {"}"}
            current-context: {currentContext}
            users:
              - name: tester
                user:
                  token: not-a-real-token
            """);
        return path;
    }
}
