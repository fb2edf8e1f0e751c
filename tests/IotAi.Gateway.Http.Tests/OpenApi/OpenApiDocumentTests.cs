using System.Net;
using System.Text.Json;
using IotAi.Client;
using IotAi.Tests.Shared;

namespace IotAi.Gateway.Http.Tests.OpenApi;

/// <summary>The API describes itself: an OpenAPI document and a page to browse it, both open, and every route the client calls in it.</summary>
[Collection(SiloGroup.Name)]
public sealed class OpenApiDocumentTests(SiloFixture silo)
{
    [Fact]
    public async Task Every_route_the_client_calls_is_in_the_document()
    {
        using var anonymous = new HttpClient { BaseAddress = silo.Host.Http.BaseAddress };

        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));

        var described = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(static path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {Shape(path.Name)}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(described.Count > 30, $"only {described.Count} operations described");
        var missing = ApiRoutes.All.Select(static r => $"{r.Method} {Shape(r.Template)}").Where(r => !described.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"not in the OpenAPI document: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task The_reference_page_needs_no_key()
    {
        using var anonymous = new HttpClient { BaseAddress = silo.Host.Http.BaseAddress };

        using var page = await anonymous.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A path as routing matches it: placeholders alike whatever their names, no trailing slash.</summary>
    private static string Shape(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path.TrimEnd('/'), "{[^}]+}", "{}");
}
