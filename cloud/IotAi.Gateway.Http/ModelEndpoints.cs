using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// The management API for the model registry: upload a signed package, or an ONNX model for the silo to sign
/// with its own key; list, inspect, promote, deprecate and delete versions. Running silos pick up changes
/// within <c>Models:RefreshInterval</c>. Reading needs a viewer, promoting and deprecating an operator, uploading
/// and deleting an admin.
/// </summary>
internal static class ModelEndpoints
{
    /// <summary>The largest upload: the largest ONNX file a package may hold, plus room for the rest of it.</summary>
    public const long MaxUploadBytes = ModelPackage.MaxOnnxBytes + (16L << 20);

    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder endpoints)
    {
        var models = endpoints.MapGroup("/api/models").RequireAuthorization(ApiPolicies.Viewer);
        models.MapGet("/", static (ModelRegistry registry) => registry.List().Select(ModelSummary.Of));
        models.MapGet("/{name}/versions/{version}", static (string name, string version, ModelRegistry registry) =>
            registry.TryFind(name, version) is { } model
                ? Results.Json(new { state = model.State.ToString(), signature = model.Signature, manifest = model.Manifest }, ModelManifest.JsonOptions)
                : NotRegistered(name, version));
        models.MapPost("/", static async (HttpRequest request, ModelRegistry registry) =>
            await ImportAsync(request, bytes =>
            {
                using var stream = new MemoryStream(bytes, writable: false);
                return registry.Import(ModelPackage.Read(stream));
            })).RequireAuthorization(ApiPolicies.Admin);
        models.MapPost("/onnx", static async (HttpRequest request, ModelRegistry registry, ModelKeyring keys) =>
            await ImportAsync(request, onnx => ModelImporter.Import(onnx, DescribeOnnx(request.Query), keys.Signer, registry))).RequireAuthorization(ApiPolicies.Admin);
        models.MapPost("/{name}/versions/{version}/promote", static (string name, string version, ModelRegistry registry) =>
            Change(name, version, registry, () => registry.Promote(name, version))).RequireAuthorization(ApiPolicies.Operator);
        models.MapPost("/{name}/versions/{version}/deprecate", static (string name, string version, ModelRegistry registry) =>
            Change(name, version, registry, () => registry.Deprecate(name, version))).RequireAuthorization(ApiPolicies.Operator);
        models.MapDelete("/{name}/versions/{version}", static (string name, string version, ModelRegistry registry) =>
            Change(name, version, registry, () =>
            {
                registry.Delete(name, version);
                return null;
            })).RequireAuthorization(ApiPolicies.Admin);
        return endpoints;
    }

    /// <summary>Reads the whole body, up to <see cref="MaxUploadBytes"/>, and registers what <paramref name="import"/> makes of it.</summary>
    private static async Task<IResult> ImportAsync(HttpRequest request, Func<byte[], RegisteredModel> import)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxUploadBytes;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex)
        {
            return Results.Json(new OipError($"the upload could not be read: {ex.Message}"), statusCode: ex.StatusCode);
        }

        if (body.Length == 0)
        {
            return Results.BadRequest(new OipError("the request body is empty: send the model file as the body"));
        }

        try
        {
            var model = import(body);
            return Results.Created($"/api/models/{model.Name}/versions/{model.Version}", ModelSummary.Of(model));
        }
        catch (ModelVerificationException ex)
        {
            return Results.BadRequest(new OipError($"the model was refused: {ex.Message}"));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FormatException)
        {
            return Results.BadRequest(new OipError(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            return Results.Conflict(new OipError(ex.Message));
        }
    }

    /// <summary>
    /// What an ONNX upload says of itself in its query string: <c>name, version, kind</c>; for a classifier <c>labels</c>,
    /// and optionally <c>features, input, scoresOutput</c>, and for images <c>image</c> (a preset or WIDTHxHEIGHT:gray|rgb|bgr)
    /// with the recipe's <c>layout, dtype, scale, mean, std, resize</c>; for a tensor model optionally <c>state</c>
    /// (INPUT=OUTPUT pairs, comma-separated) and <c>stateIdleSeconds</c>.
    /// </summary>
    private static OnnxImport DescribeOnnx(IQueryCollection query)
    {
        string Required(string key) => query[key].FirstOrDefault() is { Length: > 0 } value ? value : throw new ArgumentException($"the query needs '{key}'");
        static string[] List(string? value) => value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

        var kind = Enum.TryParse<PayloadKind>(Required("kind"), ignoreCase: true, out var k) && Enum.IsDefined(k)
            ? k
            : throw new ArgumentException($"kind is telemetry, image or tensor, not '{query["kind"]}'");
        return new OnnxImport
        {
            Name = Required("name"),
            Version = Required("version"),
            Kind = kind,
            Labels = kind == PayloadKind.Tensor ? List(query["labels"].FirstOrDefault()) : List(Required("labels")),
            Features = List(query["features"].FirstOrDefault()),
            Image = query["image"].FirstOrDefault() is { Length: > 0 } recipe
                ? ImageRecipeSettings.From(setting => query[setting].FirstOrDefault()).ApplyTo(ImagePreprocessing.Parse(recipe))
                : null,
            Input = query["input"].FirstOrDefault(),
            ScoresOutput = query["scoresOutput"].FirstOrDefault(),
            StatePairs = [.. List(query["state"].FirstOrDefault()).Select(StatePair.Parse)],
            StateIdleSeconds = query["stateIdleSeconds"].FirstOrDefault() is { Length: > 0 } idle
                ? int.TryParse(idle, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                    ? seconds
                    : throw new ArgumentException($"stateIdleSeconds is a whole number of seconds above 0, not '{idle}'")
                : null,
        };
    }

    private static IResult Change(string name, string version, ModelRegistry registry, Func<RegisteredModel?> change)
    {
        if (registry.TryFind(name, version) is null)
        {
            return NotRegistered(name, version);
        }

        try
        {
            return change() is { } changed ? Results.Ok(ModelSummary.Of(changed)) : Results.NoContent();
        }
        catch (InvalidOperationException ex)
        {
            return Results.Conflict(new OipError(ex.Message));
        }
    }

    private static IResult NotRegistered(string name, string version) => Results.NotFound(new OipError($"model '{name}' has no version '{version}'"));
}
