using IotAi.Inference;
using IotAi.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Grains.Hosting;

/// <summary>
/// Gives an empty model registry the models the gateway ships with (built by <c>iotai models build</c>),
/// signed with this gateway's key, so the first start answers devices at once. A registry that already
/// holds models is left alone. It must be registered before the model host, which starts after it.
/// </summary>
public sealed partial class DefaultModelInstaller(ModelRegistry registry, ModelKeyring keys, IOptions<ModelHostOptions> options, ILogger<DefaultModelInstaller> logger) : IHostedService
{
    /// <summary>Where the shipped models sit beside the assemblies.</summary>
    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "DefaultModels");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogKey(keys.Signer.KeyId, keys.Source);
        if (options.Value.InstallShipped && registry.List().Count == 0)
        {
            foreach (var model in Install(registry, keys.Signer, BundledDirectory))
            {
                LogInstalled(model.Name, model.Version, registry.Root);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Signs and imports every <c>{name}/{version}</c> folder under <paramref name="bundled"/>.</summary>
    public static IReadOnlyList<RegisteredModel> Install(ModelRegistry registry, ModelSigner signer, string bundled)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return [.. Directory.EnumerateFiles(bundled, ModelManifest.FileName, SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(manifest => registry.Import(ModelPackage.Create(
                ModelManifest.Load(manifest),
                File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(manifest)!, ModelManifest.OnnxFileName)),
                signer)))];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Models are signed with key {KeyId} from {Source}")]
    private partial void LogKey(string keyId, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed default model {Model} version {Version} into the registry at {Directory}")]
    private partial void LogInstalled(string model, string version, string directory);
}
