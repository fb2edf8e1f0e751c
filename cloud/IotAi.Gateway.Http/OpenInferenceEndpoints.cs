using System.Reflection;
using System.Text.Json;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Gateway.Http.Probes;
using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// The Open Inference Protocol (v2 REST), as Triton and KServe serve it, so any OIP client or <c>curl</c> can
/// use the cloud's models without MQTT. Inference runs on this silo's model host, the same sessions the
/// device grains use. Everything needs a viewer (inference too, which is not audited as a change) but the health probes, which stay anonymous.
/// </summary>
internal static class OpenInferenceEndpoints
{
    private const string Platform = "onnxruntime_onnx";

    public static IEndpointRouteBuilder MapOpenInferenceProtocol(this IEndpointRouteBuilder endpoints)
    {
        var v2 = endpoints.MapGroup("/v2").RequireAuthorization(ApiPolicies.Viewer);
        v2.MapGet("/", static () => new OipServerMetadata("iotai", Version, []));
        v2.MapGet("/health/live", static () => Results.Ok()).AllowAnonymous();
        v2.MapProbe("/health/ready", ProbeEndpoints.Ready);

        v2.MapGet("/models/{name}", static (string name, ModelRegistry registry) => Metadata(registry, name, null));
        v2.MapGet("/models/{name}/versions/{version}", static (string name, string version, ModelRegistry registry) => Metadata(registry, name, version));
        v2.MapGet("/models/{name}/ready", static async (string name, IModelHost host) => await ReadyAsync(host, name, null));
        v2.MapGet("/models/{name}/versions/{version}/ready", static async (string name, string version, IModelHost host) => await ReadyAsync(host, name, version));
        v2.MapPost("/models/{name}/infer", static async (string name, OipInferRequest request, IModelHost host, CancellationToken ct) => await InferAsync(host, name, null, request, ct)).WithMetadata(ReadOnlyCall.Instance);
        v2.MapPost("/models/{name}/versions/{version}/infer", static async (string name, string version, OipInferRequest request, IModelHost host, CancellationToken ct) =>
            await InferAsync(host, name, version, request, ct)).WithMetadata(ReadOnlyCall.Instance);
        return endpoints;
    }

    private static string Version => typeof(OpenInferenceEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    private static IResult Metadata(ModelRegistry registry, string name, string? version)
    {
        IReadOnlyList<RegisteredModel> versions = ModelRegistry.IsValidName(name) ? registry.Versions(name) : [];
        var model = version is null ? versions.FirstOrDefault(v => v.State == ModelState.Active) : versions.FirstOrDefault(v => v.Version == version);
        if (model is null)
        {
            return NotFound(name, version);
        }

        var manifest = model.Manifest;
        return Results.Ok(new OipModelMetadata(
            manifest.Name,
            [.. versions.Select(static v => v.Version)],
            Platform,
            [.. manifest.Inputs.Select(static t => new OipTensorMetadata(t.Name, Datatype(t.ElementType), t.Shape))],
            [.. manifest.Outputs.Select(static t => new OipTensorMetadata(t.Name, Datatype(t.ElementType), t.Shape))],
            new Dictionary<string, object>
            {
                ["version"] = manifest.Version,
                ["kind"] = manifest.Kind.ToString().ToLowerInvariant(),
                ["labels"] = manifest.Labels,
                ["scores_output"] = manifest.ScoresOutput,
                ["state"] = model.State.ToString().ToLowerInvariant(),
            }));
    }

    private static async Task<IResult> ReadyAsync(IModelHost host, string name, string? version) =>
        await ResolveAsync(host, name, version, CancellationToken.None) is not null ? Results.Ok() : NotFound(name, version);

    private static async Task<IResult> InferAsync(IModelHost host, string name, string? version, OipInferRequest request, CancellationToken cancellationToken)
    {
        var model = await ResolveAsync(host, name, version, cancellationToken);
        if (model is null)
        {
            return NotFound(name, version);
        }

        var manifest = model.Manifest;
        if (request.Inputs is not [var input])
        {
            return BadRequest($"model {manifest.Name} takes exactly one input, '{manifest.Input}'");
        }

        // The graph's own element type: FP32, or UINT8 for an image model that takes raw pixels.
        var bytes = manifest.Image?.ElementType == PixelType.UInt8;
        var datatype = bytes ? "UINT8" : "FP32";
        if (input.Name != manifest.Input || input.Datatype != datatype)
        {
            return BadRequest($"the input must be '{manifest.Input}' of datatype {datatype}, not '{input.Name}' of {input.Datatype}");
        }

        if (input.Shape is not { Count: >= 1 } shape || shape[0] < 1 || shape.Skip(1).Aggregate(1L, static (a, d) => a * d) != manifest.InputLength)
        {
            return BadRequest($"the input's shape must be [batch, …] with {manifest.InputLength} values per sample");
        }

        var values = new List<float>((int)(shape[0] * manifest.InputLength));
        if (!Flatten(input.Data, values) || values.Count != shape[0] * manifest.InputLength)
        {
            return BadRequest($"'data' must hold {shape[0] * manifest.InputLength} numbers, flat or nested, to match the shape");
        }

        if (bytes && values.Any(static v => v is < 0 or > 255 || v != MathF.Floor(v)))
        {
            return BadRequest($"'{manifest.Input}' is UINT8: every value must be a whole number from 0 to 255");
        }

        try
        {
            var outputs = model.RunRaw([.. values], (int)shape[0], request.Outputs?.Select(static o => o.Name ?? "").ToList());
            return Results.Ok(new OipInferResponse(manifest.Name, manifest.Version, request.Id,
                [.. outputs.Select(static o => new OipResponseOutput(o.Name, Datatype(o.ElementType), o.Shape, o.Data))]));
        }
        catch (ArgumentException ex)
        {
            return BadRequest(ex.Message);
        }
    }

    private static async Task<LoadedModel?> ResolveAsync(IModelHost host, string name, string? version, CancellationToken cancellationToken) =>
        version is null ? host.Active(name) : await host.GetAsync(name, version, cancellationToken);

    private static bool Flatten(JsonElement data, List<float> into)
    {
        switch (data.ValueKind)
        {
            case JsonValueKind.Number when data.TryGetSingle(out var value) && float.IsFinite(value):
                into.Add(value);
                return true;
            case JsonValueKind.Array:
                foreach (var item in data.EnumerateArray())
                {
                    if (!Flatten(item, into))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static string Datatype(string elementType) => elementType switch
    {
        "float32" => "FP32",
        "float64" => "FP64",
        "int64" => "INT64",
        "int32" => "INT32",
        "uint32" => "UINT32",
        "uint8" => "UINT8",
        "bool" => "BOOL",
        "string" => "BYTES",
        _ => elementType.ToUpperInvariant(),
    };

    private static IResult NotFound(string name, string? version) =>
        Results.NotFound(new OipError(version is null ? $"model '{name}' has no active version" : $"model '{name}' has no version '{version}'"));

    private static IResult BadRequest(string error) => Results.BadRequest(new OipError(error));
}
