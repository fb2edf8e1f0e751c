using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests.Security;

/// <summary>Who may call what: no credentials or wrong ones get 401, too low a role gets 403, each with a problem body saying why; probes stay open.</summary>
public sealed class ApiSecurityTests(SecuredSilo silo) : IClassFixture<SecuredSilo>
{
    private readonly string _device = $"sec-{Guid.NewGuid():N}"[..16];

    [Theory]
    [InlineData(null, null, "needs an API key or a bearer token")]
    [InlineData("Authorization", "Bearer iotai_not-a-key-anyone-was-given", "was not accepted")]
    [InlineData("X-Api-Key", "iotai_not-a-key-anyone-was-given", "was not accepted")]
    [InlineData("Authorization", "Basic cm9vdDpyb290", "needs an API key or a bearer token")]
    public async Task Calls_without_credentials_or_with_wrong_ones_get_401_and_a_problem_saying_which(string? header, string? value, string detail)
    {
        using var http = silo.Host.Connect(apiKey: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/models");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        var response = await http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, detail);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_probes_answer_anyone_while_the_models_need_a_viewer()
    {
        using var anonymous = silo.Host.Connect(apiKey: null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v2/models/sensor-anomaly")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/no-such-endpoint")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_reads_and_runs_inference_but_may_not_start_a_rollout()
    {
        using var viewer = silo.Host.Connect(silo.ViewerKey);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.PostAsJsonAsync("/v2/models/sensor-anomaly/infer", Infer())).StatusCode);
        var rollout = await viewer.PostAsJsonAsync("/api/rollouts", new { model = "sensor-anomaly", version = "1", target = new { deviceIds = new[] { _device } } });

        await AssertProblemAsync(rollout, HttpStatusCode.Forbidden, "needs the operator role; watcher has viewer");
    }

    [Fact]
    public async Task An_operator_changes_devices_and_promotes_but_may_not_upload_or_delete_a_model()
    {
        using var @operator = silo.Host.Connect(silo.OperatorKey);

        Assert.Equal(HttpStatusCode.NoContent, (await @operator.PutAsJsonAsync($"/api/devices/{_device}/tags", new Dictionary<string, string> { ["site"] = "north" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await @operator.PostAsync("/api/models/sensor-anomaly/versions/1/promote", null)).StatusCode);
        await AssertProblemAsync(await @operator.PostAsync("/api/models", new ByteArrayContent(Package($"op-{Guid.NewGuid():N}"[..12]))), HttpStatusCode.Forbidden, "needs the admin role");
        await AssertProblemAsync(await @operator.DeleteAsync("/api/models/sensor-anomaly/versions/1"), HttpStatusCode.Forbidden, "needs the admin role");
        await AssertProblemAsync(await @operator.GetAsync("/api/audit"), HttpStatusCode.Forbidden, "needs the admin role");
    }

    [Fact]
    public async Task An_admin_uploads_a_model()
    {
        var name = $"admin-{Guid.NewGuid():N}"[..14];

        var response = await silo.Host.Http.PostAsync("/api/models", new ByteArrayContent(Package(name)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_JWT_with_the_operator_role_may_do_what_an_operator_may_and_no_more()
    {
        using var @operator = silo.Host.Connect(silo.Token("alice@example.com", "operator"));

        Assert.Equal(HttpStatusCode.NoContent, (await @operator.PatchAsJsonAsync($"/api/devices/{_device}/desired", new Dictionary<string, string> { ["interval"] = "5" })).StatusCode);
        await AssertProblemAsync(await @operator.PostAsync("/api/models", new ByteArrayContent(Package($"jwt-{Guid.NewGuid():N}"[..12]))), HttpStatusCode.Forbidden, "alice@example.com has operator");
    }

    [Theory]
    [InlineData("another-audience", false)]
    [InlineData(SecuredSilo.Audience, true)]
    public async Task A_JWT_for_another_audience_or_signed_with_another_key_gets_401(string audience, bool foreignKey)
    {
        using var stranger = silo.Host.Connect(silo.Token("mallory", "admin", audience, foreignKey ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : null));

        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/models")).StatusCode);
    }

    [Fact]
    public async Task A_JWT_with_no_role_of_ours_is_forbidden_even_to_read()
    {
        using var nobody = silo.Host.Connect(silo.Token("bob", "superuser"));

        await AssertProblemAsync(await nobody.GetAsync("/api/models"), HttpStatusCode.Forbidden, "needs the viewer role; bob has none");
    }

    [Fact]
    public async Task A_key_an_admin_makes_has_its_role_until_it_is_revoked()
    {
        var name = $"kiosk-{Guid.NewGuid():N}"[..14];
        var created = await silo.Host.Http.PostAsJsonAsync("/api/keys", new { name, role = "viewer" });
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var kiosk = silo.Host.Connect(key);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kiosk.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.PostAsync("/api/rollouts/none/pause", null)).StatusCode);
        var listed = await silo.Host.Http.GetStringAsync("/api/keys");
        Assert.Contains(name, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(Gateway.Http.Security.ApiKeyHash.Of(key), listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await silo.Host.Http.DeleteAsync("/api/keys/root")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await silo.Host.Http.DeleteAsync($"/api/keys/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await kiosk.GetAsync("/api/models")).StatusCode);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static object Infer() => new { inputs = new[] { new { name = "Features", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { 84f, 0.3f, 10f } } } };

    /// <summary>The shipped sensor model under <paramref name="name"/>, signed by the silo's key, as a package file's bytes.</summary>
    private byte[] Package(string name)
    {
        var sensor = silo.Host.Services.GetRequiredService<ModelRegistry>().Open("sensor-anomaly", "1");
        var package = ModelPackage.Create(sensor.Manifest with { Name = name }, sensor.Onnx, silo.Host.Services.GetRequiredService<ModelKeyring>().Signer);
        using var file = new MemoryStream();
        package.WriteTo(file);
        return file.ToArray();
    }
}
