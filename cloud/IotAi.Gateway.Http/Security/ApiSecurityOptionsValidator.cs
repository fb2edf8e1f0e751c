using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Http.Security;

/// <summary>Refuses at start a key, JWT or throttle setting the silo could not enforce, rather than let it through or lock everyone out later.</summary>
internal sealed class ApiSecurityOptionsValidator : IValidateOptions<ApiSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (keyName, key) in options.Keys)
        {
            if (!ApiKeyHash.IsHash(key.Hash))
            {
                failures.Add($"Security:Api:Keys:{keyName}:Hash must be the key's SHA-256 as 64 hex digits");
            }

            if (!ApiRoles.IsRole(key.Role))
            {
                failures.Add($"Security:Api:Keys:{keyName}:Role must be one of {string.Join(", ", ApiRoles.All)}, not '{key.Role}'");
            }
        }

        var jwt = options.Jwt;
        if (string.IsNullOrWhiteSpace(jwt.RoleClaim) || string.IsNullOrWhiteSpace(jwt.NameClaim))
        {
            failures.Add("Security:Api:Jwt:RoleClaim and NameClaim name the claims a token's role and caller are read from; neither may be empty");
        }

        if (jwt.Enabled)
        {
            if (string.IsNullOrWhiteSpace(jwt.Audience))
            {
                failures.Add("Security:Api:Jwt:Audience is required with JWT bearer tokens");
            }

            if (string.IsNullOrWhiteSpace(jwt.Authority) && string.IsNullOrWhiteSpace(jwt.Issuer))
            {
                failures.Add("Security:Api:Jwt:Issuer is required with a SigningKey");
            }

            if (!string.IsNullOrWhiteSpace(jwt.SigningKey) && !IsLongEnoughBase64(jwt.SigningKey))
            {
                failures.Add("Security:Api:Jwt:SigningKey must be base64 of at least 32 bytes");
            }
        }

        var throttle = options.Throttle;
        if (throttle.FailuresPerAddress < 0 || throttle.FailuresPerKey < 0)
        {
            failures.Add("Security:Api:Throttle:FailuresPerAddress and FailuresPerKey are how many failed logins lock an address or a key out; 0 turns a limit off, and neither may be negative");
        }

        if (throttle.Window < TimeSpan.FromSeconds(1) || throttle.Window > TimeSpan.FromDays(1))
        {
            failures.Add($"Security:Api:Throttle:Window must be from 00:00:01 to 1.00:00:00, not {throttle.Window}");
        }

        if (throttle.MaxTracked < 1)
        {
            failures.Add("Security:Api:Throttle:MaxTracked must be at least 1");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    private static bool IsLongEnoughBase64(string value)
    {
        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) && length >= 32;
    }
}
