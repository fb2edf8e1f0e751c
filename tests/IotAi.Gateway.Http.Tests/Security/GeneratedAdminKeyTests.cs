using System.Net;
using System.Net.Http.Json;
using IotAi.Edge.Tests;
using IotAi.Gateway.Http.Security;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>The embedded default: with no keys configured, a silo makes an admin key only its owner can read, says where, and never says what.</summary>
public sealed class GeneratedAdminKeyTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-e2e-adminkey-");

    [Fact]
    public async Task A_silo_with_no_keys_generates_an_owner_only_admin_key_and_logs_where_it_is_but_never_the_key()
    {
        using var logs = new RecordingLoggerProvider();
        string key;
        await using (var silo = await GatewayHost.StartAsync(_data.FullName, logs: logs))
        {
            var file = Path.Combine(_data.FullName, "keys", ApiKeyStore.AdminKeyFileName);
            key = (await File.ReadAllTextAsync(file)).Trim();

            Assert.True(OperatingSystem.IsLinux(), "these tests run where the gateway runs: Linux");
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.StartsWith(ApiKeyHash.Prefix, key, StringComparison.Ordinal);
            var made = await silo.Http.PostAsJsonAsync("/api/keys", new { name = "dashboard", role = "viewer" });
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            using var wrong = silo.Connect(key[..^1]);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.DeleteAsync("/api/keys/dashboard")).StatusCode);
            Assert.Contains(logs.Entries, e => e.Category == "IotAi.Gateway.Http.Security.ApiKeyStore" && e.Message.Contains(file, StringComparison.Ordinal));
        }

        Assert.Contains(logs.Entries, e => e.Category == AuditLog.Category && e.Message.StartsWith("admin (admin) POST /api/keys -> 201", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Category == AuditLog.Category && e.Message.Contains("anonymous (none) DELETE /api/keys/dashboard -> 401", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(key, StringComparison.Ordinal) || e.Message.Contains(key[..^1], StringComparison.Ordinal)
            || (e.Exception?.ToString().Contains(key[..^1], StringComparison.Ordinal) ?? false));
    }

    [Fact]
    public async Task The_generated_key_survives_a_restart_and_configured_keys_replace_it()
    {
        string key;
        await using (var first = await GatewayHost.StartAsync(_data.FullName))
        {
            key = (await File.ReadAllTextAsync(Path.Combine(_data.FullName, "keys", ApiKeyStore.AdminKeyFileName))).Trim();
        }

        await using (var again = await GatewayHost.StartAsync(_data.FullName))
        {
            using var admin = again.Connect(key);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/audit")).StatusCode);
        }

        var configured = ApiKeyHash.NewKey();
        await using var secured = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Security:Api:Keys:ops-admin:Hash"] = ApiKeyHash.Of(configured),
            ["Security:Api:Keys:ops-admin:Role"] = ApiRoles.Admin,
        }, adminKey: configured);
        using var generated = secured.Connect(key);

        Assert.Equal(HttpStatusCode.Unauthorized, (await generated.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secured.Http.GetAsync("/api/audit")).StatusCode);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
