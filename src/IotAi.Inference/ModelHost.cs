using System.Collections.Concurrent;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Inference;

/// <summary>
/// Serves the registry's models on this silo. At start it loads every model's active version (verifying
/// signature and hash; a failure stops the start rather than leaving a silo that cannot answer). Then it
/// follows the registry: a promoted version is loaded, warmed up with one inference, and swapped in with a
/// single reference write, so requests never see a half-ready model. The version it replaces keeps serving
/// whatever already holds it, and is unloaded only once idle and empty. Other versions load on demand.
/// </summary>
public sealed partial class ModelHost(IOptions<ModelHostOptions> options, ModelRegistry registry, ILogger<ModelHost> logger, InferenceTelemetry telemetry, PayloadLimits? limits = null)
    : BackgroundService, IModelHost
{
    private readonly ModelHostOptions _options = options.Value;
    private readonly ConcurrentDictionary<(string Name, string Version), Lazy<Task<LoadedModel>>> _loaded = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Serving _serving = Serving.Empty;
    private long _lastUnloadPass;

    public IReadOnlyCollection<LoadedModel> Models =>
        [.. _loaded.Values.Where(static l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(static l => l.Value.Result)];

    public LoadedModel? ForKind(PayloadKind kind) => _serving.Routes.GetValueOrDefault(kind);

    public LoadedModel? Active(string name) => _serving.Active.GetValueOrDefault(name);

    public async ValueTask<LoadedModel?> GetAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        // A version already loaded is served without asking the registry, which reads files: device grains on a rollout's
        // trial ask for theirs on every uplink. A version deleted meanwhile is unloaded by the next refresh.
        if (_loaded.TryGetValue((name, version), out var loading) && loading.IsValueCreated && loading.Value.IsCompletedSuccessfully)
        {
            return loading.Value.Result;
        }

        if (registry.TryFind(name, version) is null)
        {
            return null;
        }

        return await LoadAsync(name, version, cancellationToken);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Brings the served versions in line with the registry, and unloads idle ones no longer active, and ones no longer registered.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var active = new Dictionary<string, LoadedModel>(StringComparer.Ordinal);
            foreach (var name in registry.List().Select(static m => m.Name).Distinct(StringComparer.Ordinal))
            {
                if (registry.Active(name) is { } version)
                {
                    active[name] = await LoadAsync(name, version.Version, cancellationToken);
                }
            }

            var previous = _serving;
            _serving = new Serving(active, Route(active.Values));
            foreach (var (name, model) in active)
            {
                if (previous.Active.GetValueOrDefault(name) is { } old && old != model)
                {
                    LogSwapped(name, old.Manifest.Version, model.Manifest.Version);
                }
            }

            await UnloadIdleAsync(active.Values);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var key in _loaded.Keys)
        {
            if (_loaded.TryRemove(key, out var loading) && loading.IsValueCreated && loading.Value.IsCompletedSuccessfully)
            {
                telemetry.Forget(loading.Value.Result);
                await loading.Value.Result.DisposeAsync();
            }
        }

        _serving = Serving.Empty;
    }

    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bad new version must not stop the good ones serving; the next refresh tries again.
                LogRefreshFailed(ex);
            }
        }
    }

    private Task<LoadedModel> LoadAsync(string name, string version, CancellationToken cancellationToken)
    {
        var loading = _loaded.GetOrAdd((name, version), key => new Lazy<Task<LoadedModel>>(() => LoadAndWarmAsync(key.Name, key.Version)));
        return loading.Value.WaitAsync(cancellationToken);
    }

    private async Task<LoadedModel> LoadAndWarmAsync(string name, string version)
    {
        try
        {
            return await LoadAndWarmOnceAsync(name, version);
        }
        catch
        {
            // A failed load is not remembered: the next request or refresh tries again, once the registry is fixed.
            _loaded.TryRemove((name, version), out _);
            throw;
        }
    }

    private async Task<LoadedModel> LoadAndWarmOnceAsync(string name, string version)
    {
        await Task.Yield();
        var package = registry.Open(name, version);
        var batching = _options.ModelBatching.GetValueOrDefault(name) ?? _options.Batching;
        var model = new OnnxModel(package, _options.IntraOpThreads);
        LoadedModel loaded;
        try
        {
            loaded = new LoadedModel(model, batching, limits);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        try
        {
            await loaded.WarmAsync();
        }
        catch
        {
            // A version that cannot answer gives back its session, and its share of a backbone, before the next try.
            await loaded.DisposeAsync();
            throw;
        }

        telemetry.Observe(loaded);
        LogLoaded(name, version, package.Manifest.Kind);
        return loaded;
    }

    private Dictionary<PayloadKind, LoadedModel> Route(IEnumerable<LoadedModel> active)
    {
        var routes = new Dictionary<PayloadKind, LoadedModel>();
        var models = active.ToList();
        foreach (var kind in Enum.GetValues<PayloadKind>())
        {
            var model = _options.Routes.TryGetValue(kind, out var name)
                ? models.FirstOrDefault(m => m.Manifest.Name == name && m.Manifest.Kind == kind)
                    ?? throw new InvalidOperationException($"Models:Routes sends {kind} to '{name}', but the registry has no active {kind} model of that name.")
                : models.Where(m => m.Manifest.Kind == kind)
                    .OrderBy(m => registry.RegisteredAt(m.Manifest.Name))
                    .ThenBy(m => m.Manifest.Name, StringComparer.Ordinal)
                    .FirstOrDefault();
            if (model is not null)
            {
                routes[kind] = model;
            }
            else if (kind != PayloadKind.Tensor && (_serving.Routes.ContainsKey(kind) || _serving == Serving.Empty))
            {
                LogNoModel(kind, registry.Root);
            }
        }

        return routes;
    }

    private async Task UnloadIdleAsync(IEnumerable<LoadedModel> active)
    {
        var keep = active.ToHashSet();
        var now = Environment.TickCount64;
        var idleSince = now - (long)_options.IdleUnloadAfter.TotalMilliseconds;
        // Unused since before the last pass too: a caller that took a version from ForKind just before a swap has a whole
        // refresh interval to use it, even with no idle time at all.
        var quietSince = _lastUnloadPass;
        _lastUnloadPass = now;
        foreach (var (key, loading) in _loaded)
        {
            if (loading.IsValueCreated && loading.Value.IsCompletedSuccessfully && loading.Value.Result is var model
                && !keep.Contains(model) && model.InFlight == 0 && model.LastUsed < quietSince
                && (model.LastUsed < idleSince || registry.TryFind(key.Name, key.Version) is null)
                && _loaded.TryRemove(new KeyValuePair<(string, string), Lazy<Task<LoadedModel>>>(key, loading)))
            {
                telemetry.Forget(model);
                await model.DisposeAsync();
                LogUnloaded(key.Name, key.Version);
            }
        }
    }

    private sealed record Serving(IReadOnlyDictionary<string, LoadedModel> Active, IReadOnlyDictionary<PayloadKind, LoadedModel> Routes)
    {
        public static Serving Empty { get; } = new(new Dictionary<string, LoadedModel>(), new Dictionary<PayloadKind, LoadedModel>());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} for {Kind}")]
    private partial void LogLoaded(string model, string version, PayloadKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} now serves version {Version} instead of {Previous}")]
    private partial void LogSwapped(string model, string previous, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded idle model {Model} version {Version}")]
    private partial void LogUnloaded(string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No model serves {Kind} in the registry at {Directory}; such payloads get a no_model error")]
    private partial void LogNoModel(PayloadKind kind, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following the model registry failed; the models loaded before keep serving")]
    private partial void LogRefreshFailed(Exception exception);
}
