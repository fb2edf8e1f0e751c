using System.Globalization;
using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Twin;

/// <summary>
/// The settings operators may change through desired properties while the agent runs, without a restart.
/// They start from <see cref="EdgeAgentOptions"/>; sources, joint inference and quality counting read them
/// here, and <see cref="Changed"/> tells the sources to retime at once.
/// </summary>
public sealed class LiveSettings
{
    public const string SensorIntervalMs = "sensorIntervalMs";
    public const string CameraIntervalMs = "cameraIntervalMs";
    public const string ConfidenceThresholdName = "confidenceThreshold";
    public const string JointInferenceName = "jointInference";
    public const string CaptureName = "capture";
    public const string SensorDriftName = "sensorDrift";

    private readonly Lock _lock = new();
    private Snapshot _current;

    public LiveSettings(IOptions<EdgeAgentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _current = new Snapshot(o.SensorInterval, o.CameraInterval, o.ConfidenceThreshold, o.JointInference, o.Capture, o.SensorDrift, 0, new Dictionary<string, string>());
    }

    /// <summary>Raised after desired properties changed something.</summary>
    public event EventHandler? Changed;

    public TimeSpan SensorInterval => _current.SensorInterval;

    public TimeSpan CameraInterval => _current.CameraInterval;

    public double ConfidenceThreshold => _current.ConfidenceThreshold;

    public JointInferenceMode JointInference => _current.JointInference;

    public CapturePolicy Capture => _current.Capture;

    /// <summary>The simulated sensor's baseline shift, in degrees.</summary>
    public double SensorDrift => _current.SensorDrift;

    /// <summary>The version of the last desired properties applied; 0 before any.</summary>
    public long DesiredVersion => _current.DesiredVersion;

    /// <summary>Desired properties of the last version that could not be applied, with why.</summary>
    public IReadOnlyDictionary<string, string> Refused => _current.Refused;

    /// <summary>
    /// Applies the desired properties this agent knows; others are left for other software on the device.
    /// A copy older than the one applied is ignored. Returns whether anything changed.
    /// </summary>
    public bool Apply(DesiredProperties desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        Snapshot next;
        lock (_lock)
        {
            if (desired.Version <= _current.DesiredVersion)
            {
                return false;
            }

            var refused = new Dictionary<string, string>(StringComparer.Ordinal);
            next = _current with { DesiredVersion = desired.Version, Refused = refused };
            if (desired.Desired.TryGetValue(SensorIntervalMs, out var sensor))
            {
                next = Interval(sensor) is { } interval ? next with { SensorInterval = interval } : Refuse(next, refused, SensorIntervalMs, "a whole number of milliseconds from 1 to 86400000");
            }

            if (desired.Desired.TryGetValue(CameraIntervalMs, out var camera))
            {
                next = Interval(camera) is { } interval ? next with { CameraInterval = interval } : Refuse(next, refused, CameraIntervalMs, "a whole number of milliseconds from 1 to 86400000");
            }

            if (desired.Desired.TryGetValue(ConfidenceThresholdName, out var threshold))
            {
                next = double.TryParse(threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0 and <= 1
                    ? next with { ConfidenceThreshold = t }
                    : Refuse(next, refused, ConfidenceThresholdName, "a number from 0 to 1");
            }

            if (desired.Desired.TryGetValue(JointInferenceName, out var mode))
            {
                next = Enum.TryParse<JointInferenceMode>(mode, ignoreCase: true, out var m) && Enum.IsDefined(m)
                    ? next with { JointInference = m }
                    : Refuse(next, refused, JointInferenceName, "threshold or all");
            }

            if (desired.Desired.TryGetValue(CaptureName, out var capture))
            {
                next = Enum.TryParse<CapturePolicy>(capture, ignoreCase: true, out var c) && Enum.IsDefined(c)
                    ? next with { Capture = c }
                    : Refuse(next, refused, CaptureName, "all or hard");
            }

            if (desired.Desired.TryGetValue(SensorDriftName, out var drift))
            {
                next = double.TryParse(drift, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Abs(d) <= 100
                    ? next with { SensorDrift = d }
                    : Refuse(next, refused, SensorDriftName, "a number of degrees from -100 to 100");
            }

            _current = next;
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    private static TimeSpan? Interval(string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 1 and <= 86_400_000 ? TimeSpan.FromMilliseconds(ms) : null;

    private static Snapshot Refuse(Snapshot snapshot, Dictionary<string, string> refused, string name, string expected)
    {
        refused[name] = $"must be {expected}";
        return snapshot;
    }

    private sealed record Snapshot(
        TimeSpan SensorInterval,
        TimeSpan CameraInterval,
        double ConfidenceThreshold,
        JointInferenceMode JointInference,
        CapturePolicy Capture,
        double SensorDrift,
        long DesiredVersion,
        IReadOnlyDictionary<string, string> Refused);
}
