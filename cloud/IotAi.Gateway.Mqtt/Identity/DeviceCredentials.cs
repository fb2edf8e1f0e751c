using System.Collections.Concurrent;
using System.Security.Cryptography;
using IotAi.Grains;
using IotAi.Grains.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// The device registry's front: issues, rotates and revokes device secrets (hashing them here, so only hashes
/// reach the grains), and checks what a connecting device presents. A device that proved a secret once is
/// remembered by a fast digest of it and its credential's generation, so reconnect storms do not pay the slow
/// hash again; rotation or revocation changes the generation and ends that.
/// </summary>
public sealed partial class DeviceCredentials(
    IGrainFactory grains,
    IOptions<DeviceAuthenticationOptions> options,
    TimeProvider clock,
    ILogger<DeviceCredentials> logger)
{
    private readonly ConcurrentDictionary<string, Proven> _proven = new(StringComparer.Ordinal);

    public Task<DeviceCredential?> GetAsync(string deviceId) => Grain(deviceId).GetAsync();

    /// <summary>Enrols a new (or revoked) device; the secret in the answer is shown this once and kept nowhere.</summary>
    public async Task<IssuedSecret> EnrolAsync(string deviceId)
    {
        var secret = DeviceSecrets.NewSecret();
        var credential = await Grain(deviceId).EnrolAsync(DeviceSecrets.Hash(secret, options.Value.Iterations));
        LogIssued(deviceId, credential.Generation);
        return new IssuedSecret(deviceId, secret, credential.Generation, credential.IssuedAt);
    }

    /// <summary>A new secret for an enrolled device; the old one stays good for <paramref name="grace"/>.</summary>
    public async Task<IssuedSecret> RotateAsync(string deviceId, TimeSpan grace)
    {
        var secret = DeviceSecrets.NewSecret();
        var credential = await Grain(deviceId).RotateAsync(DeviceSecrets.Hash(secret, options.Value.Iterations), grace);
        LogIssued(deviceId, credential.Generation);
        return new IssuedSecret(deviceId, secret, credential.Generation, credential.IssuedAt);
    }

    /// <summary>Revokes the device and closes its connection, wherever it is; null when it was never enrolled.</summary>
    public async Task<DeviceCredential?> RevokeAsync(string deviceId)
    {
        var credential = await Grain(deviceId).RevokeAsync();
        if (credential is not null)
        {
            _proven.TryRemove(deviceId, out _);
            await grains.GetGrain<IDeviceGrain>(deviceId).DisconnectAsync("the device's credentials were revoked");
            LogRevoked(deviceId);
        }

        return credential;
    }

    /// <summary>Checks a device's secret, as presented at CONNECT.</summary>
    public async Task<CredentialCheck> CheckAsync(string deviceId, ReadOnlyMemory<byte> presented)
    {
        var credential = await Grain(deviceId).GetAsync();
        if (credential is null)
        {
            return CredentialCheck.Unknown;
        }

        if (credential.RevokedAt is not null)
        {
            return CredentialCheck.Revoked;
        }

        var now = clock.GetUtcNow();
        var previousValid = credential.Previous is not null && credential.PreviousValidUntil > now;
        var digest = SHA256.HashData(presented.Span);
        if (_proven.TryGetValue(deviceId, out var proven) && proven.Generation == credential.Generation
            && CryptographicOperations.FixedTimeEquals(proven.Digest, digest) && (!proven.WithPrevious || previousValid))
        {
            return CredentialCheck.Valid;
        }

        var withPrevious = false;
        if (!DeviceSecrets.Verify(presented.Span, credential.Current))
        {
            if (!previousValid || !DeviceSecrets.Verify(presented.Span, credential.Previous!))
            {
                return CredentialCheck.Wrong;
            }

            withPrevious = true;
        }

        _proven[deviceId] = new Proven(credential.Generation, digest, withPrevious);
        return CredentialCheck.Valid;
    }

    private IDeviceCredentialGrain Grain(string deviceId) => grains.GetGrain<IDeviceCredentialGrain>(deviceId);

    private sealed record Proven(int Generation, byte[] Digest, bool WithPrevious);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued secret {Generation} to device {DeviceId}")]
    private partial void LogIssued(string deviceId, int generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked device {DeviceId}")]
    private partial void LogRevoked(string deviceId);
}

/// <summary>What a credential check found.</summary>
public enum CredentialCheck
{
    Valid,
    Unknown,
    Wrong,
    Revoked,
}

/// <summary>A secret just issued: the only time it exists outside the device.</summary>
public sealed record IssuedSecret(string DeviceId, string Secret, int Generation, DateTimeOffset IssuedAt);
