namespace IotAi.Protocol;

public enum UplinkTopicStatus
{
    /// <summary>Not under <c>devices/{id}/up/</c>: not a device uplink at all.</summary>
    NotUplink,
    /// <summary>A payload to infer, of <see cref="UplinkTopicParse.Kind"/>.</summary>
    Ok,

    /// <summary>Reported twin properties (<see cref="ReportedProperties"/>).</summary>
    Reported,

    /// <summary>A request for chunks of a model being downloaded (<see cref="ModelFetch"/>).</summary>
    ModelFetch,

    /// <summary>Where a model update stands on the device (<see cref="ModelStatusReport"/>).</summary>
    ModelStatus,

    /// <summary>How a model version answers on the device (<see cref="ModelQualityReport"/>).</summary>
    ModelQuality,

    /// <summary>The ground truth of a sample the device sent (<see cref="GroundTruth"/>).</summary>
    Label,
    InvalidDeviceId,
    UnknownKind,
}

/// <summary>
/// The result of <see cref="DeviceTopics.ParseUplink"/>; <see cref="Seq"/> is set only by the image topic's suffix, <see cref="Model"/>
/// only by the tensor topic's.
/// </summary>
public readonly record struct UplinkTopicParse(UplinkTopicStatus Status, string? DeviceId, PayloadKind Kind, long? Seq, string? Model = null)
{
    public static UplinkTopicParse NotUplink { get; } = new(UplinkTopicStatus.NotUplink, null, default, null);
}
