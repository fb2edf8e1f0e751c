using IotAi.Learning;
using IotAi.Models;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// The operators' side of labelling: list the samples kept for learning (the unlabelled hard examples first
/// of all), fetch one with its payload (a viewer), and label it (an operator). Every label records that an operator gave it.
/// </summary>
internal static class SampleEndpoints
{
    public static IEndpointRouteBuilder MapSampleApi(this IEndpointRouteBuilder endpoints)
    {
        var samples = endpoints.MapGroup("/api/samples").RequireAuthorization(ApiPolicies.Viewer);
        samples.MapGet("/", static (string model, bool? labelled, int? limit, FileSampleStore store) =>
            ModelRegistry.IsValidName(model)
                ? Results.Ok(store.List(model, labelled, Math.Clamp(limit ?? 100, 1, 10_000)))
                : Results.BadRequest(new OipError($"'{model}' is not a model name")));
        samples.MapGet("/{id}", static (string id, FileSampleStore store) =>
            Find(store, id) is { } sample ? Results.Ok(sample) : NotKept(id));
        samples.MapGet("/{id}/payload", static (string id, FileSampleStore store) =>
            Find(store, id) is { } sample ? Results.Bytes(store.Payload(sample), sample.ContentType) : NotKept(id));
        samples.MapPost("/{id}/label", static (string id, LabelRequest request, FileSampleStore store, SampleCapture capture, ModelRegistry registry, TimeProvider clock) =>
        {
            if (Find(store, id) is not { } sample)
            {
                return NotKept(id);
            }

            var labels = registry.TryFind(sample.Model, sample.Version)?.Manifest.Labels;
            if (string.IsNullOrEmpty(request.Label) || (labels is not null && !labels.Contains(request.Label, StringComparer.Ordinal)))
            {
                return Results.BadRequest(new OipError($"'{request.Label}' is not a label of {sample.Model}; it has {string.Join(", ", labels ?? [])}"));
            }

            return Results.Ok(capture.Label(sample.Id, new SampleLabel(request.Label, LabelSources.Operator, clock.GetUtcNow())));
        }).RequireAuthorization(ApiPolicies.Operator);
        return endpoints;
    }

    /// <summary>A sample id is a device id, a dot and a sequence number: nothing that can leave the store's folders.</summary>
    private static CapturedSample? Find(FileSampleStore store, string id) =>
        id.Length is > 0 and <= 160 && id.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':') ? store.Find(id) : null;

    private static IResult NotKept(string id) => Results.NotFound(new OipError($"no sample '{id}' was kept"));
}

/// <summary>The body of <c>POST /api/samples/{id}/label</c>.</summary>
internal sealed record LabelRequest(string Label);
