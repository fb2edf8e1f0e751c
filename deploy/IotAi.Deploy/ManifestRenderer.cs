using System.ComponentModel;
using System.Diagnostics;

namespace IotAi.Deploy;

/// <summary>
/// Turns an overlay name (<c>dev</c>, <c>prod</c>, <c>base</c>) or a kustomization folder into the YAML kustomize
/// renders for it, with <c>kubectl kustomize</c> as the manifests' README applies them, then loads every object
/// strictly (<see cref="StrictManifests"/>) so a misspelt field stops here rather than on a cluster.
/// </summary>
/// <param name="kubectl">The kubectl executable; tests name one that is not there.</param>
public sealed class ManifestRenderer(string kubectl = "kubectl")
{
    /// <summary>Where the kustomize base and its overlays live in the repository.</summary>
    public static readonly string ManifestsFolder = Path.Combine("deploy", "k8s");

    /// <summary>The names kustomize looks for in a folder.</summary>
    private static readonly string[] KustomizationFiles = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>The kustomization folder <paramref name="overlay"/> means, looked up from <paramref name="workingDirectory"/>.</summary>
    public static DirectoryInfo Resolve(string overlay, string workingDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(overlay);
        if (LooksLikePath(overlay))
        {
            var folder = new DirectoryInfo(Path.GetFullPath(overlay, workingDirectory));
            return HasKustomization(folder)
                ? folder
                : throw new InvalidOperationException($"the overlay {folder.FullName} does not exist or has no kustomization.yaml");
        }

        var manifests = FindManifests(workingDirectory)
            ?? throw new InvalidOperationException(
                $"no {ManifestsFolder} above {workingDirectory} or beside the iotai program: run from the repository, or give --overlay a kustomization folder");
        var named = new DirectoryInfo(overlay == "base" ? Path.Combine(manifests.FullName, "base") : Path.Combine(manifests.FullName, "overlays", overlay));
        if (HasKustomization(named))
        {
            return named;
        }

        var known = new DirectoryInfo(Path.Combine(manifests.FullName, "overlays")).EnumerateDirectories().Where(HasKustomization).Select(static d => d.Name).Order(StringComparer.Ordinal);
        throw new InvalidOperationException($"no overlay \"{overlay}\" in {manifests.FullName}: use base, {string.Join(", ", known)}, or a kustomization folder");
    }

    /// <summary>Renders <paramref name="kustomization"/> and loads every object strictly; a manifest that does not load is an error naming the object.</summary>
    public async Task<RenderedManifests> RenderAsync(DirectoryInfo kustomization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kustomization);
        var yaml = await KustomizeAsync(kustomization.FullName, cancellationToken);
        var loaded = StrictManifests.Load(yaml);
        if (loaded.Errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"{kustomization.FullName} renders objects that do not load strictly; fix them before any cluster sees them:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", loaded.Errors)}");
        }

        return new RenderedManifests(kustomization, yaml, loaded.Objects);
    }

    private async Task<string> KustomizeAsync(string folder, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(kubectl)
        {
            ArgumentList = { "kustomize", folder },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{kubectl} did not start");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"{kubectl} is not installed or not on PATH: iotai deploy renders the manifests with `kubectl kustomize` (the client alone, no cluster needed) — {ex.Message}", ex);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"kubectl kustomize {folder} failed ({process.ExitCode}): {(await error).Trim()}");
        }
    }

    private static bool LooksLikePath(string overlay) =>
        overlay.Contains('/', StringComparison.Ordinal) || overlay.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || overlay.StartsWith('.');

    private static bool HasKustomization(DirectoryInfo folder) =>
        KustomizationFiles.Any(name => File.Exists(Path.Combine(folder.FullName, name)));

    /// <summary>deploy/k8s above the working directory (a checkout), else above the program (<c>dotnet run</c> from one).</summary>
    private static DirectoryInfo? FindManifests(string workingDirectory)
    {
        foreach (var start in new[] { workingDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = new DirectoryInfo(Path.Combine(directory.FullName, ManifestsFolder));
                if (HasKustomization(new DirectoryInfo(Path.Combine(candidate.FullName, "base"))))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
