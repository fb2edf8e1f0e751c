using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Mqtt;

/// <summary>The embedded MQTT broker every silo runs. Bound from <c>Mqtt</c>.</summary>
public sealed class MqttIngressOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>
    /// Whether the broker listens for plain MQTT on <see cref="Port"/>. Production turns it off and takes MQTT over TLS
    /// only (<c>Mqtt:Tls</c>); with neither, the silo refuses to start.
    /// </summary>
    public bool PlainEnabled { get; set; } = true;

    /// <summary>The plain MQTT port devices connect to.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>The IPv4 address to listen on; <c>0.0.0.0</c> for every interface.</summary>
    [Required]
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How many messages may wait for a slow subscriber before the oldest are dropped.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingMessagesPerClient { get; set; } = 1000;

    /// <summary>
    /// The highest topic alias an MQTT 5 client may use, announced in CONNACK; a higher one (or 0) ends the connection
    /// with Topic Alias invalid. Each alias costs the connection one remembered topic. Mosquitto's default is also 10.
    /// </summary>
    [Range(0, ushort.MaxValue)]
    public ushort TopicAliasMaximum { get; set; } = 10;

    /// <summary>
    /// How many messages may wait to be carried to each other silo for its subscribers (services and observers; device
    /// traffic is never carried); past it they are dropped and counted (<c>relay_full</c>).
    /// </summary>
    [Range(1, 10_000_000)]
    public int RelayCapacity { get; set; } = 10_000;

    /// <summary>How often each silo tells the cluster its broker is there, with its clients' shared subscriptions.</summary>
    public TimeSpan ClusterReportInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a device uplink may take end to end before the device gets an <c>unavailable</c> error.</summary>
    public TimeSpan UplinkTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
