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
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogKey(keys.Signer.KeyId, keys.Source);
        if (options.Value.InstallShipped && registry.List().Count == 0)
        {
            foreach (var model in ShippedModels.Install(registry, keys.Signer, image: options.Value.ShippedImageModel, backbones: Backbone))
            {
                LogInstalled(model.Name, model.Version, registry.Root);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The backbone a shipped head names: ResNet18, which the build places beside the program.</summary>
    private static byte[] Backbone(BackbonePart part) => part.Name == "resnet18"
        ? PretrainedBackbone.ResNet18().Onnx
        : throw new InvalidOperationException($"The shipped models name a backbone {part.Name}; only resnet18 is shipped.");

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Models are signed with key {KeyId} from {Source}")]
    private partial void LogKey(string keyId, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed default model {Model} version {Version} into the registry at {Directory}")]
    private partial void LogInstalled(string model, string version, string directory);
}
