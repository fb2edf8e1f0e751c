using System.Buffers;
using IotAi.Inference;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using IotAi.Edge.Twin;

namespace IotAi.Edge.Models;

/// <summary>
/// Runs the device's own model on every sample before it is queued, online or not, and counts how each
/// version answers in the <see cref="ModelQualityTracker"/>, which rollouts read to judge a new version.
/// A sample no local model serves, or that the model cannot read, still goes to the cloud.
/// </summary>
public sealed partial class LocalInference(
    EdgeModelRuntime runtime,
    ModelQualityTracker quality,
    LiveSettings settings,
    ILogger<LocalInference> logger)
{
    private readonly Lock _swaps = new();
    private readonly Dictionary<string, LoadedModel> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>The local answer to <paramref name="sample"/>, or null when no local model could give one.</summary>
    public async ValueTask<EdgeAnswer?> InferAsync(EdgeSample sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (runtime.ForKind(sample.Kind) is not { } model)
        {
            return null;
        }

        var manifest = model.Manifest;
        var length = manifest.InputLength;
        var features = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var (_, _, error) = model.ReadInput(sample.Payload.Span, features.AsSpan(0, length));
            if (error is not null)
            {
                LogUnreadable(manifest.Name, error);
                return null;
            }

            var prediction = await model.InferAsync(features.AsMemory(0, length), cancellationToken);
            var label = manifest.Labels[prediction.LabelIndex];
            RestartIfSwapped(model);
            quality.Record(manifest.Name, manifest.Version, prediction.Confidence, settings.ConfidenceThreshold,
                sample.Label is null ? null : string.Equals(sample.Label, label, StringComparison.Ordinal));
            return new EdgeAnswer(manifest.Name, manifest.Version, label, prediction.Confidence);
        }
        catch (ModelBusyException)
        {
            // More readings than the local model keeps up with: this one goes to the cloud, and the model is not blamed.
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            LogFailed(ex, manifest.Name, manifest.Version);
            RestartIfSwapped(model);
            quality.RecordError(manifest.Name, manifest.Version);
            return null;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(features);
        }
    }

    /// <summary>A version swapped in (again) is judged from its first answer on, not on what it did before.</summary>
    private void RestartIfSwapped(LoadedModel model)
    {
        var name = model.Manifest.Name;
        lock (_swaps)
        {
            if (_lastSeen.GetValueOrDefault(name) != model)
            {
                _lastSeen[name] = model;
                quality.Restart(name, model.Manifest.Version);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The local model {Model} cannot read a sample: {Reason}")]
    private partial void LogUnreadable(string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The local model {Model} version {Version} failed on a sample")]
    private partial void LogFailed(Exception exception, string model, string version);
}
