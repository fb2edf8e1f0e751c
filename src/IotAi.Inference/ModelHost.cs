using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Inference;

/// <summary>
/// Loads the active version of every model in the registry when the host starts, verifying each one's
/// signature and hash first; a model that fails stops the start with the reason, rather than leaving a
/// silo that cannot answer.
/// </summary>
public sealed partial class ModelHost(IOptions<ModelHostOptions> options, ModelRegistry registry, ILogger<ModelHost> logger, InferenceTelemetry telemetry)
    : IModelHost, IHostedService, IAsyncDisposable
{
    private readonly ModelHostOptions _options = options.Value;
    private Dictionary<PayloadKind, LoadedModel> _routes = [];
    private List<LoadedModel> _models = [];

    public IReadOnlyCollection<LoadedModel> Models => _models;

    public LoadedModel? ForKind(PayloadKind kind) => _routes.GetValueOrDefault(kind);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var models = new List<LoadedModel>();
        foreach (var name in registry.List().Select(m => m.Name).Distinct(StringComparer.Ordinal))
        {
            if (registry.Active(name) is not { } active)
            {
                continue;
            }

            var package = registry.Open(name, active.Version);
            var manifest = package.Manifest;
            var loaded = new LoadedModel(new OnnxModel(manifest, package.Onnx, _options.IntraOpThreads), _options.Batching);
            telemetry.Observe(loaded);
            models.Add(loaded);
            LogLoaded(manifest.Name, manifest.Version, manifest.Kind);
        }

        var routes = new Dictionary<PayloadKind, LoadedModel>();
        foreach (var kind in Enum.GetValues<PayloadKind>())
        {
            var model = _options.Routes.TryGetValue(kind, out var name)
                ? models.FirstOrDefault(m => m.Manifest.Name == name && m.Manifest.Kind == kind)
                    ?? throw new InvalidOperationException($"Models:Routes sends {kind} to '{name}', but no {kind} model of that name is in {_options.Directory}.")
                : models.Where(m => m.Manifest.Kind == kind).OrderBy(m => m.Manifest.Name, StringComparer.Ordinal).FirstOrDefault();
            if (model is null)
            {
                LogNoModel(kind, _options.Directory);
                continue;
            }

            routes[kind] = model;
        }

        _models = models;
        _routes = routes;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _models)
        {
            await model.DisposeAsync();
        }

        _models = [];
        _routes = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} for {Kind}")]
    private partial void LogLoaded(string model, string version, PayloadKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No model serves {Kind} in {Directory}; such payloads get a no_model error")]
    private partial void LogNoModel(PayloadKind kind, string directory);
}
