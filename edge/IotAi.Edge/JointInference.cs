using IotAi.Edge.Queue;
using IotAi.Protocol;
using IotAi.Edge.Twin;

namespace IotAi.Edge;

/// <summary>
/// Decides, once the device's own model has answered a sample, whether the cloud's model answers it too:
/// every sample in <see cref="JointInferenceMode.All"/>, else only those answered with less confidence than
/// the confidence threshold (and every sample no local model serves). Both settings follow desired properties. Every
/// sample still goes to the cloud, as data; one that is not escalated carries the device's answer and is
/// only stored there. It tells the local sink which answer is used, and counts.
/// </summary>
public sealed class JointInference(LiveSettings settings, IResultSink sink)
{
    private long _answeredLocally;
    private long _escalated;
    private long _keptLocal;

    /// <summary>Samples whose local answer stood.</summary>
    public long AnsweredLocally => Interlocked.Read(ref _answeredLocally);

    /// <summary>Samples sent to the cloud's model (no local model, or a local answer below the threshold, or mode All).</summary>
    public long Escalated => Interlocked.Read(ref _escalated);

    /// <summary>Samples answered locally and, under <see cref="CapturePolicy.Hard"/>, not sent at all.</summary>
    public long KeptLocal => Interlocked.Read(ref _keptLocal);

    /// <summary>
    /// The sample as it is queued: with the local answer, the escalation decision and its priority; or null when
    /// the capture policy keeps it on the device (answered locally, and not a hard example).
    /// </summary>
    public async ValueTask<EdgeSample?> RouteAsync(EdgeSample sample, EdgeAnswer? answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var hard = answer is not null && answer.Confidence < settings.ConfidenceThreshold;
        var escalate = answer is null || hard || settings.JointInference == JointInferenceMode.All;
        Interlocked.Increment(ref escalate ? ref _escalated : ref _answeredLocally);
        if (answer is not null)
        {
            await sink.WriteLocalAsync(new LocalResult(sample.Kind, sample.Timestamp, answer, escalate, sample.Label), cancellationToken);
        }

        if (!escalate && settings.Capture == CapturePolicy.Hard)
        {
            Interlocked.Increment(ref _keptLocal);
            return null;
        }

        return sample with
        {
            Local = answer,
            Escalate = escalate,
            // What the local model was unsure of is worth most to keep; images next; routine telemetry least.
            Priority = hard ? SamplePriority.HardExample : sample.Kind == PayloadKind.Image ? SamplePriority.Image : SamplePriority.Routine,
        };
    }
}

/// <summary>Which samples the device sends to the cloud at all.</summary>
public enum CapturePolicy
{
    /// <summary>Every sample: those the device answered go as data, the rest to be answered.</summary>
    All,

    /// <summary>
    /// Only what the cloud must answer or learn from: hard examples and samples without a local answer. The rest
    /// is answered on the device (the local sink has it) and not sent, for sites whose link is dear.
    /// </summary>
    Hard,
}

/// <summary>Which samples the cloud's model answers besides the device's own.</summary>
public enum JointInferenceMode
{
    /// <summary>Only those the local model is unsure of (below <see cref="EdgeAgentOptions.ConfidenceThreshold"/>), and those it cannot answer.</summary>
    Threshold,

    /// <summary>Every sample: the cloud's answer is used, the local one is there for when the cloud is away.</summary>
    All,
}
