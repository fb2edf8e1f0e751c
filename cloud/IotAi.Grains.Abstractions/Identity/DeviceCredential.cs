namespace IotAi.Grains.Identity;

/// <summary>A slow, salted hash of a device's secret; the secret itself is never stored.</summary>
/// <param name="Algorithm">How <see cref="Hash"/> was made: <c>pbkdf2-sha256</c>.</param>
/// <param name="Iterations">The hash's work factor.</param>
/// <param name="Salt">Random bytes, one salt per secret.</param>
/// <param name="Hash">The derived key.</param>
[GenerateSerializer, Immutable, Alias("IotAi.SecretHash")]
public sealed record SecretHash(
    [property: Id(0)] string Algorithm,
    [property: Id(1)] int Iterations,
    [property: Id(2)] byte[] Salt,
    [property: Id(3)] byte[] Hash);

/// <summary>What the registry knows of a device's credential: its hashes and its history, never a secret.</summary>
/// <param name="Current">The hash of the secret issued last.</param>
/// <param name="Previous">The hash of the secret before it, while a rotation lets the device move over.</param>
/// <param name="PreviousValidUntil">Until when <see cref="Previous"/> is still accepted.</param>
/// <param name="Generation">How many secrets have been issued; a connection proves the one it used.</param>
/// <param name="IssuedAt">When <see cref="Current"/> was issued.</param>
/// <param name="RevokedAt">When the device was revoked; a revoked device is refused whatever it presents.</param>
[GenerateSerializer, Immutable, Alias("IotAi.DeviceCredential")]
public sealed record DeviceCredential(
    [property: Id(0)] SecretHash Current,
    [property: Id(1)] SecretHash? Previous,
    [property: Id(2)] DateTimeOffset? PreviousValidUntil,
    [property: Id(3)] int Generation,
    [property: Id(4)] DateTimeOffset IssuedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt);
