using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Training.Tests;

/// <summary>
/// A fleet's camera traffic as the silo sees it: frames from many devices, each answered by a model version and
/// offered, with the truth the device sent, to the capture policy, which keeps what it keeps. It also scores a
/// version on a fresh stream of the same world: what the fleet would see if that version answered it.
/// </summary>
internal sealed class CameraTraffic : IDisposable
{
    private readonly Dictionary<string, OnnxModel> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// Sends <paramref name="frames"/> frames, round-robin over <paramref name="devices"/> devices, answered by
    /// <paramref name="model"/> and offered to <paramref name="capture"/>; returns the share it answered right.
    /// </summary>
    public double Send(SampleCapture capture, ModelPackage model, int frames, int devices, int seed, double drift = 0)
    {
        var right = 0;
        foreach (var (frame, features, n) in Frames(frames, seed, drift, model.Manifest))
        {
            var scores = Score(model, features);
            var label = model.Manifest.Labels[Prediction.FromScores(scores).LabelIndex];
            right += label == frame.Shape.Label() ? 1 : 0;
            capture.Consider(new AnsweredSample($"cam-{n % devices:D4}", 1 + (n / devices), model.Manifest.Name, model.Manifest.Version, PayloadKind.Image,
                label, scores, null, frame.ContentType, frame.Shape.Label()), frame.Encoded);
        }

        return (double)right / frames;
    }

    /// <summary>The share of a fresh stream of <paramref name="frames"/> frames that <paramref name="model"/> answers right.</summary>
    public double Accuracy(ModelPackage model, int frames, int seed, double drift = 0) =>
        (double)Frames(frames, seed, drift, model.Manifest)
            .Count(f => model.Manifest.Labels[Prediction.FromScores(Score(model, f.Features)).LabelIndex] == f.Frame.Shape.Label()) / frames;

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
    }

    private static IEnumerable<(CameraFrame Frame, float[] Features, int N)> Frames(int frames, int seed, double drift, ModelManifest manifest)
    {
        var camera = new SyntheticCamera(seed) { Drift = drift };
        for (var n = 0; n < frames; n++)
        {
            var frame = camera.Next();
            var features = new float[manifest.InputLength];
            if (ImagePreprocessor.TryPreprocess(frame.Encoded, manifest.Image!, features) is { } error)
            {
                throw new InvalidOperationException(error);
            }

            yield return (frame, features, n);
        }
    }

    private float[] Score(ModelPackage model, float[] features)
    {
        var key = $"{model.Manifest.Name}@{model.Manifest.Version}";
        if (!_sessions.TryGetValue(key, out var session))
        {
            _sessions[key] = session = new OnnxModel(model);
        }

        var scores = new float[model.Manifest.Labels.Count];
        session.Run(features, 1, scores);
        return scores;
    }
}
