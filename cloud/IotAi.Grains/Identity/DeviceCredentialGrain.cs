using Orleans.Runtime;

namespace IotAi.Grains.Identity;

/// <summary>Keeps one device's credential in the device state store.</summary>
public sealed class DeviceCredentialGrain(
    [PersistentState("credential", DeviceGrain.StorageName)] IPersistentState<DeviceCredentialState> state,
    TimeProvider clock) : Grain, IDeviceCredentialGrain
{
    public Task<DeviceCredential?> GetAsync() => Task.FromResult(state.State.Credential);

    public async Task<DeviceCredential> EnrolAsync(SecretHash hash)
    {
        var current = state.State.Credential;
        if (current is { RevokedAt: null })
        {
            throw new InvalidOperationException($"device {this.GetPrimaryKeyString()} is enrolled already; rotate its secret, or revoke it first");
        }

        return await SaveAsync(new DeviceCredential(hash, null, null, (current?.Generation ?? 0) + 1, clock.GetUtcNow(), null));
    }

    public async Task<DeviceCredential> RotateAsync(SecretHash hash, TimeSpan grace)
    {
        var current = state.State.Credential ?? throw new KeyNotFoundException($"device {this.GetPrimaryKeyString()} is not enrolled");
        if (current.RevokedAt is not null)
        {
            throw new InvalidOperationException($"device {this.GetPrimaryKeyString()} is revoked; enrol it again to give it a new secret");
        }

        var now = clock.GetUtcNow();
        return await SaveAsync(current with
        {
            Current = hash,
            Previous = grace > TimeSpan.Zero ? current.Current : null,
            PreviousValidUntil = grace > TimeSpan.Zero ? now + grace : null,
            Generation = current.Generation + 1,
            IssuedAt = now,
        });
    }

    public async Task<DeviceCredential?> RevokeAsync()
    {
        if (state.State.Credential is not { } current)
        {
            return null;
        }

        return current.RevokedAt is not null ? current : await SaveAsync(current with { Previous = null, PreviousValidUntil = null, RevokedAt = clock.GetUtcNow() });
    }

    private async Task<DeviceCredential> SaveAsync(DeviceCredential credential)
    {
        state.State.Credential = credential;
        await state.WriteStateAsync();
        return credential;
    }
}

[GenerateSerializer, Alias("IotAi.DeviceCredentialState")]
public sealed class DeviceCredentialState
{
    [Id(0)]
    public DeviceCredential? Credential { get; set; }
}
