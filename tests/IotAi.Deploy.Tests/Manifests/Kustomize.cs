using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>Renders a kustomization under deploy/k8s with <c>kubectl kustomize</c>, once per test run.</summary>
public static class Kustomize
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Rendered = new();

    /// <summary>The rendered multi-document YAML of <paramref name="kustomization"/> (e.g. <c>overlays/prod</c>).</summary>
    public static string Render(string kustomization) =>
        Rendered.GetOrAdd(kustomization, static k => new Lazy<string>(() => Run(k))).Value;

    private static string Run(string kustomization)
    {
        var directory = Repository.PathTo("deploy", "k8s", kustomization);
        var start = new ProcessStartInfo("kubectl")
        {
            ArgumentList = { "kustomize", directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "kubectl is not installed or not on PATH: the deploy tests render deploy/k8s with `kubectl kustomize` (client only, no cluster needed)", ex);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {error.Result}");
            }

            return output;
        }
    }
}
