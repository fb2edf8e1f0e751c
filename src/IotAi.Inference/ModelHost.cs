using IotAi.Models;
using System.Globalization;
using IotAi.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Inference;

/// <summary>
/// Loads every model under <see cref="ModelHostOptions.Directory"/> when the host starts; a model that
/// fails to load stops the start with the reason, rather than leaving a silo that cannot answer.
/// </summary>
public sealed partial class ModelHost(IOptions<ModelHostOptions> options, ILogger<ModelHost> logger, InferenceTelemetry telemetry)
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
        foreach (var folder in LatestVersionFolders(_options.Directory))
        {
            var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
            var onnx = File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName));
            var loaded = new LoadedModel(new OnnxModel(manifest, onnx, _options.IntraOpThreads), _options.Batching);
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

    /// <summary>For each model name, the folder of its highest version (numeric where versions are numbers).</summary>
    private static IEnumerable<string> LatestVersionFolders(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The model directory {directory} does not exist.");
        }

        foreach (var name in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            var latest = Directory.EnumerateDirectories(name)
                .Where(v => File.Exists(Path.Combine(v, ModelManifest.FileName)))
                .OrderBy(v => long.TryParse(Path.GetFileName(v), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MinValue)
                .ThenBy(v => Path.GetFileName(v), StringComparer.Ordinal)
                .LastOrDefault();
            if (latest is not null)
            {
                yield return latest;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} for {Kind}")]
    private partial void LogLoaded(string model, string version, PayloadKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No model serves {Kind} in {Directory}; such payloads get a no_model error")]
    private partial void LogNoModel(PayloadKind kind, string directory);
}
