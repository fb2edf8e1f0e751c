using System.CommandLine;
using k8s;
using IotAi.Deploy;

namespace IotAi.Cli.Deploy;

/// <summary>
/// Which cluster a deploy command talks to (<c>--kubeconfig</c>, <c>--context</c>), found as kubectl finds it:
/// the file given, else every file in <c>KUBECONFIG</c>, else <c>~/.kube/config</c>, else, inside a pod, the
/// pod's service account.
/// </summary>
internal sealed class ClusterConnection
{
    public Option<FileInfo?> Kubeconfig { get; } = new("--kubeconfig") { Description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the pod's service account in a cluster)" };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use (default: its current context)" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
    }

    public KubernetesClientConfiguration Configure(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var context = parse.GetValue(Context);
        if (parse.GetValue(Kubeconfig) is { } given)
        {
            return given.Exists
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(given, context)
                : throw new InvalidOperationException($"no kubeconfig at {given.FullName}");
        }

        var fromEnvironment = (Environment.GetEnvironmentVariable("KUBECONFIG") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static path => new FileInfo(path))
            .Where(static f => f.Exists)
            .ToArray();
        if (fromEnvironment.Length > 0)
        {
            // The client merges every file of KUBECONFIG for the current context; a named context is looked up file by file.
            return context is null ? KubernetesClientConfiguration.BuildDefaultConfig()
                : fromEnvironment.FirstOrDefault(f => KubernetesClientConfiguration.LoadKubeConfig(f).Contexts?.Any(c => c.Name == context) == true) is { } file
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(file, context)
                    : throw new InvalidOperationException($"no context \"{context}\" in the kubeconfig files of KUBECONFIG");
        }

        var home = new FileInfo(KubernetesClientConfiguration.KubeConfigDefaultLocation);
        if (home.Exists)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(home, context);
        }

        if (KubernetesClientConfiguration.IsInCluster() && context is null)
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        throw new InvalidOperationException($"no kubeconfig: give --kubeconfig, set KUBECONFIG, or create {home.FullName}");
    }
}
