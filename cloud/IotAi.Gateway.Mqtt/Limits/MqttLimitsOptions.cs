using System.ComponentModel.DataAnnotations;
using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Hard limits on what one device or one network address may cost the silo. Bound from <c>Mqtt:Limits</c>;
/// docs/operations.md lists them with the reason code each refusal carries.
/// </summary>
public sealed class MqttLimitsOptions : IValidatableObject
{
    public const string SectionName = "Mqtt:Limits";

    /// <summary>An MQTT packet longer than this, header included, closes its connection before its body is read.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxPacketBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The publishes one client may make per second, on average.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerSecond { get; set; } = 500;

    /// <summary>The publishes one client may make at once after a quiet spell.</summary>
    [Range(1, 1_000_000)]
    public int MessageBurst { get; set; } = 1000;

    /// <summary>The payload bytes one client may publish per second, on average.</summary>
    [Range(1024, int.MaxValue)]
    public int BytesPerSecond { get; set; } = 8 * 1024 * 1024;

    /// <summary>The payload bytes one client may publish at once; at least <see cref="MaxPacketBytes"/>.</summary>
    [Range(1024, int.MaxValue)]
    public int ByteBurst { get; set; } = 16 * 1024 * 1024;

    /// <summary>Open connections from one address; devices behind one NAT share it, so the default is generous.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 2000;

    /// <summary>
    /// Sockets one address may hold that have not yet sent their whole CONNECT; more are closed as soon as they are
    /// accepted. A site reconnecting at once sends its CONNECTs within milliseconds, so only a flood gets near it.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPendingConnectionsPerAddress { get; set; } = 500;

    /// <summary>
    /// How long a connection may take from being accepted to having sent its whole CONNECT (TLS handshake included);
    /// one that takes longer is closed, so a socket that never speaks cannot hold one of the silo's file descriptors.
    /// EMQX's <c>idle_timeout</c> is also 15 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>New connections one address may make per second, on average.</summary>
    [Range(1, 1_000_000)]
    public int ConnectsPerSecondPerAddress { get; set; } = 100;

    /// <summary>New connections one address may make at once, e.g. a whole site reconnecting after an outage.</summary>
    [Range(1, 1_000_000)]
    public int ConnectBurstPerAddress { get; set; } = 2000;

    /// <summary>An image payload longer than this is refused.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxImageBytes { get; set; } = PayloadLimits.Default.MaxImageBytes;

    /// <summary>An image whose header declares more pixels than this is refused before it is decoded.</summary>
    [Range(1, 4096L * 4096)]
    public long MaxImagePixels { get; set; } = PayloadLimits.Default.MaxImagePixels;

    /// <summary>A JSON payload (telemetry, reports, requests) longer than this is refused.</summary>
    [Range(256, int.MaxValue)]
    public int MaxJsonBytes { get; set; } = PayloadLimits.Default.MaxJsonBytes;

    /// <summary>Telemetry JSON nested deeper than this is refused.</summary>
    [Range(2, 64)]
    public int MaxJsonDepth { get; set; } = PayloadLimits.Default.MaxJsonDepth;

    /// <summary>The payload limits the model host's readers apply.</summary>
    public PayloadLimits Payloads() => new()
    {
        MaxImageBytes = MaxImageBytes,
        MaxImagePixels = MaxImagePixels,
        MaxJsonBytes = MaxJsonBytes,
        MaxJsonDepth = MaxJsonDepth,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ByteBurst < MaxPacketBytes)
        {
            yield return new ValidationResult("Mqtt:Limits:ByteBurst must be at least MaxPacketBytes, or a device could never send its largest packet.", [nameof(ByteBurst)]);
        }

        if (MaxImageBytes > MaxPacketBytes || MaxJsonBytes > MaxPacketBytes)
        {
            yield return new ValidationResult("Mqtt:Limits:MaxImageBytes and MaxJsonBytes must fit in MaxPacketBytes.", [nameof(MaxImageBytes), nameof(MaxJsonBytes)]);
        }

        if (MessageBurst < MessagesPerSecond || ConnectBurstPerAddress < ConnectsPerSecondPerAddress)
        {
            yield return new ValidationResult("Mqtt:Limits: a burst must be at least its rate per second.", [nameof(MessageBurst), nameof(ConnectBurstPerAddress)]);
        }
    }
}
