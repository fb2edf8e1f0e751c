using System.Security.Cryptography;

namespace IotAi.Models;

internal static class KeyIds
{
    /// <summary>The first 16 hex digits of the SHA-256 of the key's SubjectPublicKeyInfo: stable, short, and public.</summary>
    public static string Of(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
}
