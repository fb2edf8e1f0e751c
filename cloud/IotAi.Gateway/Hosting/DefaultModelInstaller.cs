using IotAi.Models;
using IotAi.Inference;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Hosting;

/// <summary>
/// Gives a new data directory the models the gateway ships with (built by <c>iotai models build</c>), so the
/// first start answers devices at once. A directory that already has models is left alone.
/// </summary>
public sealed partial class DefaultModelInstaller(IOptions<ModelHostOptions> models, ILogger<DefaultModelInstaller> logger) : IHostedService
{
    /// <summary>Where the shipped models sit beside the assemblies.</summary>
    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "DefaultModels");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var target = models.Value.Directory;
        if (Directory.Exists(target) && Directory.EnumerateFiles(target, ModelManifest.FileName, SearchOption.AllDirectories).Any())
        {
            return Task.CompletedTask;
        }

        CopyDirectory(BundledDirectory, target);
        LogInstalled(target);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed the default models into {Directory}")]
    private partial void LogInstalled(string directory);
}
