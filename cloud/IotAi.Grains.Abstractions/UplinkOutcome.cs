namespace IotAi.Grains;

/// <summary>What became of an uplink; the ingress turns it into an MQTT 5 PUBACK reason code.</summary>
public enum UplinkOutcome
{
    /// <summary>Inferred and answered.</summary>
    Accepted,

    /// <summary>Its sequence number was seen before; acknowledged again, not processed again.</summary>
    Duplicate,

    /// <summary>The payload could not be read.</summary>
    PayloadInvalid,

    /// <summary>No model serves its kind.</summary>
    NoModel,

    /// <summary>The model failed on it.</summary>
    Failed,

    /// <summary>The model's queue was full: not run, to be sent again later.</summary>
    Busy,
}
