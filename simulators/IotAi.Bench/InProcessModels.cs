using System.Diagnostics.Metrics;
using IotAi.Inference;
using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Bench;

/// <summary>
/// The silo's model host in this process, over a throwaway registry holding the shipped models, for figures
/// that measure inference alone: no MQTT, no grains.
/// </summary>
public sealed class InProcessModels : IAsyncDisposable
{
    private readonly DirectoryInfo _root;
    private readonly ServiceProvider _services;
    private readonly ModelKeyring _keys;

    private InProcessModels(DirectoryInfo root, ServiceProvider services, ModelKeyring keys, ModelRegistry registry, ModelHost host) =>
        (_root, _services, _keys, Registry, Host) = (root, services, keys, registry, host);

    public ModelRegistry Registry { get; }

    public ModelHost Host { get; }

    /// <param name="batching">How the host batches every model.</param>
    /// <param name="prepare">Registers more versions before the host starts, signed with this registry's key.</param>
    /// <param name="cancellationToken">Stops the host's start.</param>
    public static async Task<InProcessModels> StartAsync(BatchingOptions batching, Action<ModelRegistry, ModelSigner>? prepare, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("iotai-bench-models-");
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var keys = ModelKeyring.Load(new ModelSigningOptions(), Path.Combine(root.FullName, "keys"));
        var registry = new ModelRegistry(Path.Combine(root.FullName, "models"), keys.Trusted);
        ShippedModels.Install(registry, keys.Signer);
        prepare?.Invoke(registry, keys.Signer);
        var host = new ModelHost(
            Options.Create(new ModelHostOptions { Directory = registry.Root, KeysDirectory = root.FullName, RefreshInterval = TimeSpan.FromMilliseconds(50), Batching = batching }),
            registry,
            NullLogger<ModelHost>.Instance,
            new InferenceTelemetry(services.GetRequiredService<IMeterFactory>()));
        await host.StartAsync(cancellationToken);
        return new InProcessModels(root, services, keys, registry, host);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
        _keys.Dispose();
        await _services.DisposeAsync();
        _root.Delete(recursive: true);
    }
}
