using System.Security.Cryptography;
using System.Text;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Makes API keys and the hashes they are kept as. A plain SHA-256 is enough here, where a password would need a slow
/// key derivation (PBKDF2, Argon2): a key is 256 random bits, so there is no dictionary to try and no brute force
/// that a slower hash would make meaningfully harder, and checking it costs a microsecond on every call.
/// </summary>
internal static class ApiKeyHash
{
    /// <summary>Marks a string as an IotAi key, for secret scanners and for people reading a config by mistake.</summary>
    public const string Prefix = "iotai_";

    public static string NewKey() => Prefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of <paramref name="key"/>'s UTF-8 bytes, as 64 lower-case hex digits.</summary>
    public static string Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    public static bool IsHash(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
