using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Mqtt.External;

/// <summary>
/// The user's own MQTT broker (EMQX, HiveMQ, Mosquitto), which devices keep connecting to. Bound from
/// <c>Mqtt:External</c>; setting <see cref="Host"/> is what turns it on: the silos then listen for no devices and attach to
/// that broker as MQTT 5 clients instead, taking uplinks from a shared subscription.
/// </summary>
public sealed class ExternalBrokerOptions
{
    public const string SectionName = "Mqtt:External";

    /// <summary>The broker's host name or address; unset (the default) keeps the silos' own brokers.</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Connect over TLS, checking the broker's certificate against the machine's trusted roots.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// This silo's client id at the broker; it must differ between silos. The broker keeps the silo's session (what it
    /// was sent and had not yet acknowledged) under it: a silo that comes back under the same id after a crash finishes
    /// that work, and otherwise another silo takes the session over. Unset: <c>iotai-</c> and the host name.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The user name the broker knows the silos by; its ACL lets it read every device's uplinks and write their downlinks.</summary>
    public string? Username { get; set; }

    /// <summary>A file holding the password (a mounted Secret); read at each connect, so a rotated password is picked up.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The shared subscription's group: every silo takes a share of <c>$share/{group}/devices/+/up/#</c>.</summary>
    [Required, RegularExpression("^[^/+#]+$", ErrorMessage = "Mqtt:External:SharedGroup may not contain '/', '+' or '#'.")]
    public string SharedGroup { get; set; } = "iotai";

    /// <summary>How long the broker keeps a silo's session while the silo is away (a crash, a restart).</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many uplinks the broker may have sent this silo unacknowledged (its Receive Maximum).</summary>
    [Range(1, 65535)]
    public int MaxInFlight { get; set; } = 256;

    /// <summary>The pause before connecting again after the connection was lost or refused.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    /// <summary>The client id this silo uses.</summary>
    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? $"iotai-{Environment.MachineName}" : ClientId;

    /// <summary>The filter every silo shares.</summary>
    public string UplinkFilter => $"$share/{SharedGroup}/{Protocol.DeviceTopics.Root}/+/up/#";
}
