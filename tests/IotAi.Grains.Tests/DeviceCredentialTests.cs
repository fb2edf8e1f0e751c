using System.Text;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Grains.Identity;

namespace IotAi.Grains.Tests;

/// <summary>The device registry's rules: one valid secret at a time, rotation with an optional grace, revocation until enrolled again.</summary>
[Collection(ClusterGroup.Name)]
public sealed class DeviceCredentialTests(ClusterFixture cluster)
{
    private static readonly SecretHash First = DeviceSecrets.Hash("first", 1000);
    private static readonly SecretHash Second = DeviceSecrets.Hash("second", 1000);

    [Fact]
    public async Task A_device_is_enrolled_once_rotated_with_or_without_grace_and_enrolled_again_only_after_revocation()
    {
        var grain = cluster.Grains.GetGrain<IDeviceCredentialGrain>($"cred-{Guid.NewGuid():N}");

        Assert.Null(await grain.GetAsync());
        Assert.Equal(1, (await grain.EnrolAsync(First)).Generation);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.EnrolAsync(Second));
        var graced = await grain.RotateAsync(Second, TimeSpan.FromMinutes(5));
        Assert.Equal(2, graced.Generation);
        Assert.Equal(First.Hash, graced.Previous?.Hash);
        Assert.NotNull(graced.PreviousValidUntil);
        var strict = await grain.RotateAsync(First, TimeSpan.Zero);
        Assert.Equal((3, (SecretHash?)null), (strict.Generation, strict.Previous));
        var revoked = await grain.RevokeAsync();
        Assert.NotNull(revoked!.RevokedAt);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.RotateAsync(Second, TimeSpan.Zero));
        var again = await grain.EnrolAsync(Second);
        Assert.Equal((4, (DateTimeOffset?)null), (again.Generation, again.RevokedAt));
    }

    [Fact]
    public async Task Revoking_or_rotating_a_device_never_enrolled_says_so()
    {
        var grain = cluster.Grains.GetGrain<IDeviceCredentialGrain>($"cred-{Guid.NewGuid():N}");

        Assert.Null(await grain.RevokeAsync());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => grain.RotateAsync(First, TimeSpan.Zero));
    }

    [Fact]
    public void A_secret_hash_verifies_only_its_own_secret_and_survives_its_configuration_form()
    {
        var secret = DeviceSecrets.NewSecret();
        var hash = DeviceSecrets.Hash(secret, 1000);
        var parsed = DeviceSecrets.Parse(DeviceSecrets.Format(hash));

        Assert.Equal(43, secret.Length);
        Assert.True(DeviceSecrets.Verify(Encoding.UTF8.GetBytes(secret), parsed));
        Assert.False(DeviceSecrets.Verify(Encoding.UTF8.GetBytes(secret + "x"), parsed));
        Assert.NotEqual(hash.Salt, DeviceSecrets.Hash(secret, 1000).Salt);
        Assert.Throws<FormatException>(() => DeviceSecrets.Parse("md5$1$abc$def"));
    }
}
