using System.Security.Cryptography;
using System.Text;
using IotAi.Grains.Identity;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// Device secrets: 256 random bits, shown once when issued, stored only as a salted PBKDF2-SHA256 hash and
/// checked in constant time. The secrets are random, not chosen by people, so the work factor guards a stolen
/// state store rather than a weak password; it is configurable, and a connection pays it once per silo.
/// </summary>
public static class DeviceSecrets
{
    public const string Algorithm = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static SecretHash Hash(string secret, int iterations)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new SecretHash(Algorithm, iterations, salt, Derive(Encoding.UTF8.GetBytes(secret), salt, iterations));
    }

    public static bool Verify(ReadOnlySpan<byte> presented, SecretHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return hash.Algorithm == Algorithm && CryptographicOperations.FixedTimeEquals(Derive(presented, hash.Salt, hash.Iterations), hash.Hash);
    }

    /// <summary>A hash as one string, <c>pbkdf2-sha256$iterations$salt$hash</c>, for accounts kept in configuration.</summary>
    public static string Format(SecretHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return $"{hash.Algorithm}${hash.Iterations}${Convert.ToBase64String(hash.Salt)}${Convert.ToBase64String(hash.Hash)}";
    }

    public static SecretHash Parse(string formatted)
    {
        ArgumentNullException.ThrowIfNull(formatted);
        var parts = formatted.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            throw new FormatException($"a secret hash reads {Algorithm}$iterations$salt$hash");
        }

        return new SecretHash(Algorithm, iterations, Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]));
    }

    private static byte[] Derive(ReadOnlySpan<byte> secret, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
