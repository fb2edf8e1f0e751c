namespace IotAi.Grains.Identity;

/// <summary>
/// One device's entry in the device registry: the hash of its secret, rotations and revocation. Secrets are
/// made and checked in the silo that handles the request (a slow hash has no place on a grain's turn); the
/// grain only keeps what was decided, durably.
/// </summary>
[Alias("IotAi.IDeviceCredentialGrain")]
public interface IDeviceCredentialGrain : IGrainWithStringKey
{
    /// <summary>The device's credential, or null when it was never enrolled.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DeviceCredential?> GetAsync();

    /// <summary>
    /// Enrols the device with a secret: a new device, or a revoked one afresh. Throws
    /// <see cref="InvalidOperationException"/> while it holds a valid secret (rotate that instead).
    /// </summary>
    Task<DeviceCredential> EnrolAsync(SecretHash hash);

    /// <summary>Replaces the secret; the old one stays valid for <paramref name="grace"/> (zero: not at all). Lifts no revocation.</summary>
    Task<DeviceCredential> RotateAsync(SecretHash hash, TimeSpan grace);

    /// <summary>Revokes the device: every secret it had is refused from now on, until it is enrolled again.</summary>
    Task<DeviceCredential?> RevokeAsync();
}
