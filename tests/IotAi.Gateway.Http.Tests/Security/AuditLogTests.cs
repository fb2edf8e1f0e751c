using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>The audit log: every change and every refusal, with the caller's name and role, never a key or token.</summary>
public sealed class AuditLogTests(SecuredSilo silo) : IClassFixture<SecuredSilo>
{
    private readonly string _device = $"audit-{Guid.NewGuid():N}"[..18];

    // Each answer is given only once its entry is written, so the log is read straight after, without waiting.

    [Fact]
    public async Task Changes_and_refusals_are_recorded_with_the_callers_name_and_never_the_key()
    {
        using var @operator = silo.Host.Connect(silo.OperatorKey);
        using var viewer = silo.Host.Connect(silo.ViewerKey);
        using var jwt = silo.Host.Connect(silo.Token("carol@example.com", "operator"));
        var tags = $"/api/devices/{_device}/tags";
        var desired = $"/api/devices/{_device}/desired";

        Assert.Equal(HttpStatusCode.NoContent, (await @operator.PutAsJsonAsync(tags, new Dictionary<string, string> { ["line"] = "3" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync(tags, new Dictionary<string, string>())).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await jwt.PatchAsJsonAsync(desired, new Dictionary<string, string> { ["interval"] = "2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/devices/{_device}")).StatusCode);

        var entries = (await silo.Host.Http.GetFromJsonAsync<JsonElement[]>("/api/audit?limit=1000"))!
            .Where(e => e.GetProperty("path").GetString()!.Contains(_device, StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [("carol@example.com", "operator", "PATCH", desired, 204), ("watcher", "viewer", "PUT", tags, 403), ("ops", "operator", "PUT", tags, 204)],
            entries.Select(e => (e.GetProperty("who").GetString(), e.GetProperty("role").GetString(), e.GetProperty("method").GetString(),
                e.GetProperty("path").GetString(), e.GetProperty("status").GetInt32())));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.GetProperty("remote").GetString()));

        var written = string.Concat(Directory.GetFiles(Path.Combine(silo.DataDirectory, "audit"), "audit-*.jsonl").Select(File.ReadAllText));
        Assert.Contains(_device, written, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.OperatorKey, written, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.ViewerKey, written, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Token("carol@example.com", "operator").Split('.')[0] + ".", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_credentials_is_recorded_as_refused_to_nobody()
    {
        var path = $"/api/rollouts/{_device}/abort";
        using var anonymous = silo.Host.Connect(apiKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(path, null)).StatusCode);

        var entry = Assert.Single((await silo.Host.Http.GetFromJsonAsync<JsonElement[]>("/api/audit?limit=1000"))!, e => e.GetProperty("path").GetString() == path);
        Assert.Equal(("anonymous", "none", 401), (entry.GetProperty("who").GetString(), entry.GetProperty("role").GetString(), entry.GetProperty("status").GetInt32()));
    }
}
