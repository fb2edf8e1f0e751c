using System.Net;
using System.Text;

namespace IotAi.Client.Tests;

/// <summary>Paths built from route templates, and a silo's refusals as errors that say why.</summary>
public sealed class ApiRouteTests
{
    [Fact]
    public void Values_fill_the_placeholders_in_order_escaped()
    {
        Assert.Equal("/api/models/shape%20classifier/versions/2%2Fbeta/promote", ApiRoutes.PromoteModel.Path("shape classifier", "2/beta"));
        Assert.Equal("/api/devices/pump%2B7", ApiRoutes.Device.Path("pump+7"));
    }

    [Fact]
    public void Too_few_or_too_many_values_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ApiRoutes.ModelVersion.Path("only-the-name"));
        Assert.Throws<ArgumentException>(() => ApiRoutes.Models.Path("stray"));
    }

    [Fact]
    public void Every_route_is_listed_once()
    {
        var declared = typeof(ApiRoutes).GetFields().Where(static f => f.FieldType == typeof(ApiRoute)).Select(static f => (ApiRoute)f.GetValue(null)!).ToList();

        Assert.Equal(declared.Count, ApiRoutes.All.Distinct().Count());
        Assert.Equal(declared.ToHashSet(), ApiRoutes.All.ToHashSet());
    }

    [Fact]
    public async Task A_refusal_carries_the_silos_reason_and_status()
    {
        using var client = new IotAiClient(new HttpClient(new ScriptedSilo(HttpStatusCode.Conflict, """{"error":"pump-7 is enrolled already"}""")) { BaseAddress = new Uri("http://silo") });

        var refused = await Assert.ThrowsAsync<ApiRefusedException>(() => client.EnrolAsync("pump-7"));

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal("the silo answered 409 Conflict: pump-7 is enrolled already", refused.Message);
    }

    [Fact]
    public async Task A_call_without_a_key_says_how_to_give_one()
    {
        using var client = new IotAiClient(new HttpClient(new ScriptedSilo(HttpStatusCode.Unauthorized, """{"detail":"an API key is needed"}""")) { BaseAddress = new Uri("http://silo") });

        var refused = await Assert.ThrowsAsync<ApiRefusedException>(() => client.ListModelsAsync());

        Assert.EndsWith($"an API key is needed (give an API key, or set {IotAiClient.ApiKeyVariable})", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_the_silo_answers_with_no_body_completes()
    {
        var silo = new ScriptedSilo(HttpStatusCode.NoContent, "");
        using var client = new IotAiClient(new HttpClient(silo) { BaseAddress = new Uri("http://silo") });

        await client.SetDesiredAsync("pump-7", new Dictionary<string, string> { ["interval"] = "2000" });
        await client.SetTagsAsync("pump-7", new Dictionary<string, string> { ["site"] = "north" });

        Assert.Equal(["PATCH /api/devices/pump-7/desired", "PUT /api/devices/pump-7/tags"], silo.Requests);
    }

    /// <summary>A silo that answers every call the same way (a refusal, or an empty 204), and records what it was asked.</summary>
    private sealed class ScriptedSilo(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json"), RequestMessage = request });
        }
    }
}
