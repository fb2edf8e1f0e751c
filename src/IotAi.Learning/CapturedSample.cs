using IotAi.Protocol;

namespace IotAi.Learning;

/// <summary>A sample kept for learning, with where it came from and what it has been labelled.</summary>
/// <param name="Id">Its id: the device id and sequence number.</param>
/// <param name="DeviceId">The device that sent it.</param>
/// <param name="Seq">Its uplink sequence number.</param>
/// <param name="Model">The model that answered it.</param>
/// <param name="Version">That model's version.</param>
/// <param name="Kind">Telemetry or image.</param>
/// <param name="CapturedAt">When the cloud kept it.</param>
/// <param name="Prediction">The answer used (the cloud's, or the device's when the cloud did not infer).</param>
/// <param name="Confidence">That answer's probability.</param>
/// <param name="Edge">The device's own answer, when it sent one.</param>
/// <param name="Reasons">Why it was kept.</param>
/// <param name="ContentType">The payload's type: telemetry JSON, or the image's.</param>
/// <param name="Labels">Every label given to it, oldest first; the last one counts.</param>
public sealed record CapturedSample(
    string Id,
    string DeviceId,
    long? Seq,
    string Model,
    string Version,
    PayloadKind Kind,
    DateTimeOffset CapturedAt,
    string Prediction,
    float Confidence,
    EdgeAnswer? Edge,
    CaptureReasons Reasons,
    string ContentType,
    IReadOnlyList<SampleLabel> Labels)
{
    /// <summary>The label that counts: the latest, or null while the sample is unlabelled.</summary>
    public string? Label => Labels.Count == 0 ? null : Labels[^1].Label;

    /// <summary>The id of the sample a device sent as <paramref name="seq"/>.</summary>
    public static string IdFor(string deviceId, long seq) => $"{deviceId}.{seq}";
}

/// <summary>One label, and who gave it.</summary>
/// <param name="Label">The label.</param>
/// <param name="Source">Who: <see cref="LabelSources"/>.</param>
/// <param name="At">When.</param>
/// <param name="By">Which one of its source, where that is known: the teacher model and version that gave it.</param>
public sealed record SampleLabel(string Label, string Source, DateTimeOffset At, string? By = null);

/// <summary>Where labels come from.</summary>
public static class LabelSources
{
    /// <summary>The device knew the truth and sent it (<c>up/label</c>).</summary>
    public const string Device = "device";

    /// <summary>A person, through the API or <c>iotai samples label</c>.</summary>
    public const string Operator = "operator";

    /// <summary>A larger model that was confident enough.</summary>
    public const string Teacher = "teacher";
}
