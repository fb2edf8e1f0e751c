using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Http.Security;

/// <summary>Who may call the silo's HTTP API. Bound from <c>Security:Api</c>.</summary>
public sealed class ApiSecurityOptions
{
    public const string SectionName = "Security:Api";

    /// <summary>API keys by name, each stored as the SHA-256 of the key (64 hex digits) with its role.</summary>
    public Dictionary<string, ApiKeyOptions> Keys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// With no <see cref="Keys"/> configured, make an admin key on first start into <c>{data}/keys/api-admin.key</c>
    /// (readable by its owner only) and accept it; the CLI on the same machine reads it from there.
    /// </summary>
    public bool GenerateAdminKey { get; set; } = true;

    public JwtOptions Jwt { get; init; } = new();

    /// <summary>When failed logins lock an address or a key out for a while.</summary>
    public LoginThrottleOptions Throttle { get; init; } = new();

    /// <summary>Daily audit files older than this many days are deleted.</summary>
    [Range(1, 3650)]
    public int AuditRetentionDays { get; set; } = 90;
}

/// <summary>One configured API key: <c>Security:Api:Keys:{name}:Hash</c> and <c>:Role</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The SHA-256 of the key, hex; the key itself is never configured.</summary>
    public string? Hash { get; set; }

    public string? Role { get; set; }
}

/// <summary>JWT bearer tokens, from an identity provider (<see cref="Authority"/>) or signed with a shared key. Off unless one of the two is set.</summary>
public sealed class JwtOptions
{
    /// <summary>An OpenID Connect issuer whose signing keys are fetched from its discovery document.</summary>
    public string? Authority { get; set; }

    /// <summary>Checked against the token's <c>iss</c>; with <see cref="Authority"/>, its own issuer by default.</summary>
    public string? Issuer { get; set; }

    /// <summary>Checked against the token's <c>aud</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>A symmetric HMAC-SHA256 key, base64, at least 32 bytes, for tokens signed without an identity provider.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim that carries the role: <c>viewer</c>, <c>operator</c> or <c>admin</c>.</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim that names the caller in the audit log.</summary>
    public string NameClaim { get; set; } = "sub";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
