using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Models;

/// <summary>
/// The models running on the device. A new version is verified, loaded and warmed up beside the running
/// one, then swapped in with a single reference write, so inference never pauses and never sees a
/// half-loaded model; the replaced version finishes what it holds before it is unloaded. Nothing that fails
/// its signature or hash check is ever loaded.
/// </summary>
public sealed partial class EdgeModelRuntime(EdgeModelStore store, TrustedKeys trusted, ILogger logger) : IAsyncDisposable
{
    private static readonly BatchingOptions EdgeBatching = new() { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.Zero, QueueCapacity = 256 };
    private static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(2);

    private readonly Lock _swap = new();
    private readonly List<Task> _retiring = [];
    private volatile Dictionary<string, LoadedModel> _active = [];

    public LoadedModel? Active(string name) => _active.GetValueOrDefault(name);

    /// <summary>The versions running now.</summary>
    public IReadOnlyList<ModelManifest> Running => [.. _active.Values.Select(static m => m.Manifest).OrderBy(static m => m.Name, StringComparer.Ordinal)];

    /// <summary>The running model for a payload kind: the first by name among those that serve it.</summary>
    public LoadedModel? ForKind(PayloadKind kind) =>
        _active.Values.Where(m => m.Manifest.Kind == kind).OrderBy(m => m.Manifest.Name, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Loads the current version of every stored model; one that no longer verifies is rolled back.</summary>
    public async Task LoadCurrentAsync()
    {
        foreach (var name in store.Names())
        {
            var version = store.Current(name)!;
            try
            {
                await ActivateAsync(store.Load(name, version) ?? throw new ModelVerificationException($"{name} {version} is missing from the store"), remember: false);
            }
            catch (Exception ex) when (ex is ModelVerificationException or InvalidDataException)
            {
                LogStoredModelRefused(ex, name, version);
                if (store.RollBack(name) is { } previous && store.Load(name, previous) is { } package)
                {
                    await ActivateAsync(package, remember: false);
                }
            }
        }
    }

    /// <summary>Verifies, loads and warms <paramref name="package"/>, then swaps it in; throws and changes nothing if any step fails.</summary>
    public async Task ActivateAsync(ModelPackage package, bool remember = true)
    {
        ArgumentNullException.ThrowIfNull(package);
        package.Verify(trusted);
        if (!package.Manifest.IsClassifier)
        {
            throw new InvalidDataException($"{package.Manifest.Name} {package.Manifest.Version} is a tensor model: the cloud serves those, the edge agent runs classifiers.");
        }

        var loaded = new LoadedModel(new OnnxModel(package), EdgeBatching);
        try
        {
            await loaded.WarmAsync();
        }
        catch
        {
            await loaded.DisposeAsync();
            throw;
        }

        var name = package.Manifest.Name;
        LoadedModel? replaced;
        lock (_swap)
        {
            var next = new Dictionary<string, LoadedModel>(_active, StringComparer.Ordinal);
            replaced = next.GetValueOrDefault(name);
            next[name] = loaded;
            _active = next;
            if (replaced is not null)
            {
                _retiring.Add(RetireAsync(replaced));
            }
        }

        if (remember)
        {
            store.SetCurrent(name, package.Manifest.Version);
        }

        LogActivated(name, package.Manifest.Version);
    }

    /// <summary>Goes back to the version before the current one; returns it, or null when there is none to go back to.</summary>
    public async Task<string?> RollBackAsync(string name)
    {
        var previous = store.Previous(name);
        if (previous is null || store.Load(name, previous) is not { } package)
        {
            return null;
        }

        await ActivateAsync(package, remember: false);
        store.RollBack(name);
        return previous;
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> retiring;
        lock (_swap)
        {
            retiring = [.. _retiring];
        }

        await Task.WhenAll(retiring);
        foreach (var model in _active.Values)
        {
            await model.DisposeAsync();
        }

        _active = [];
    }

    /// <summary>Whoever read the old reference just before the swap gets a moment to start, then it drains and goes.</summary>
    private static async Task RetireAsync(LoadedModel model)
    {
        await Task.Delay(RetireGrace);
        while (model.InFlight > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        await model.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is running")]
    private partial void LogActivated(string model, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored model {Model} version {Version} failed its checks and will not run")]
    private partial void LogStoredModelRefused(Exception exception, string model, string version);
}
