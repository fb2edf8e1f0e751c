using System.Security.Claims;
using System.Security.Cryptography;
using IotAi.Gateway.Http.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>A silo with an admin, an operator and a viewer key configured by hash, and JWT bearer tokens signed with a shared key.</summary>
public sealed class SecuredSilo : IAsyncLifetime
{
    public const string Issuer = "https://login.iotai.test";
    public const string Audience = "iotai-management";

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-e2e-secured-");
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private GatewayHost? _host;

    public string AdminKey { get; } = ApiKeyHash.NewKey();

    public string OperatorKey { get; } = ApiKeyHash.NewKey();

    public string ViewerKey { get; } = ApiKeyHash.NewKey();

    public string DataDirectory => _data.FullName;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The silo has not started.");

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Security:Api:Keys:root:Hash"] = ApiKeyHash.Of(AdminKey),
        ["Security:Api:Keys:root:Role"] = ApiRoles.Admin,
        // Upper-case hex, as some tools print it, is the same hash.
        ["Security:Api:Keys:ops:Hash"] = ApiKeyHash.Of(OperatorKey).ToUpperInvariant(),
        ["Security:Api:Keys:ops:Role"] = ApiRoles.Operator,
        ["Security:Api:Keys:watcher:Hash"] = ApiKeyHash.Of(ViewerKey),
        ["Security:Api:Keys:watcher:Role"] = ApiRoles.Viewer,
        ["Security:Api:Jwt:Issuer"] = Issuer,
        ["Security:Api:Jwt:Audience"] = Audience,
        ["Security:Api:Jwt:SigningKey"] = Convert.ToBase64String(_signingKey),
    }, adminKey: AdminKey);

    /// <summary>A token for <paramref name="subject"/> with <paramref name="role"/>, signed with the silo's key unless <paramref name="signingKey"/> says otherwise.</summary>
    public string Token(string subject, string role, string audience = Audience, byte[]? signingKey = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject), new Claim("role", role)]),
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signingKey ?? _signingKey), SecurityAlgorithms.HmacSha256),
        });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _data.Delete(recursive: true);
    }
}
