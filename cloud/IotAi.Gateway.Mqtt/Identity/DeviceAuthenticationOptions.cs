using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>Who may connect to the MQTT ingress, and how secrets are hashed. Bound from <c>Mqtt:Authentication</c>.</summary>
public sealed class DeviceAuthenticationOptions
{
    public const string SectionName = "Mqtt:Authentication";

    /// <summary><see cref="AuthenticationMode.Credentials"/>: every client proves who it is. <see cref="AuthenticationMode.None"/>: anyone may connect (development only).</summary>
    public AuthenticationMode Mode { get; set; } = AuthenticationMode.Credentials;

    /// <summary>PBKDF2 iterations for secrets issued from now on; secrets issued before keep theirs.</summary>
    [Range(1_000, 10_000_000)]
    public int Iterations { get; set; } = 20_000;

    /// <summary>Non-device clients (services, operators' tools) by user name: their secret's hash and role.</summary>
    public Dictionary<string, MqttAccount> Accounts { get; } = new(StringComparer.Ordinal);
}

public enum AuthenticationMode
{
    Credentials,
    None,
}

/// <summary>A service or operator account on the MQTT ingress.</summary>
public sealed class MqttAccount
{
    /// <summary>The secret's hash as <c>pbkdf2-sha256$iterations$salt$hash</c> (<c>iotai devices hash-secret</c> makes one).</summary>
    [Required]
    public string SecretHash { get; set; } = "";

    public MqttRole Role { get; set; } = MqttRole.Observer;
}

/// <summary>What a connected client may do beyond a device's own topics.</summary>
public enum MqttRole
{
    /// <summary>A device: publishes on its own uplink topics, subscribes to its own downlink topics, nothing else.</summary>
    Device,

    /// <summary>Watches every device's traffic (subscribes anywhere under <c>devices/</c>); publishes nothing.</summary>
    Observer,

    /// <summary>A backend service: subscribes anywhere, publishes outside <c>devices/</c> (device topics belong to devices and the gateway).</summary>
    Service,
}
