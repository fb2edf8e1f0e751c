using System.Reflection;
using System.Text.Json;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML.OnnxRuntime;
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
        v2.MapPost("/models/{name}/infer", static async (string name, HttpRequest request, IModelHost host) => await InferAsync(host, name, null, request)).WithMetadata(ReadOnlyCall.Instance);
        v2.MapPost("/models/{name}/versions/{version}/infer", static async (string name, string version, HttpRequest request, IModelHost host) =>
            await InferAsync(host, name, version, request)).WithMetadata(ReadOnlyCall.Instance);
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
            Parameters(manifest, model.State)));
    }

    /// <summary>What OIP has no field for: the version, the kind, a classifier's labels and scores, a stateful model's state pairs.</summary>
    private static Dictionary<string, object> Parameters(ModelManifest manifest, ModelState state)
    {
        var parameters = new Dictionary<string, object>
        {
            ["version"] = manifest.Version,
            ["kind"] = PayloadKinds.Name(manifest.Kind),
            ["state"] = state.ToString().ToLowerInvariant(),
        };
        if (manifest.IsClassifier)
        {
            parameters["labels"] = manifest.Labels;
            parameters["scores_output"] = manifest.ScoresOutput;
        }

        if (manifest.StatePairs.Count != 0)
        {
            parameters["sequence_state"] = manifest.StatePairs.Select(static p => new Dictionary<string, string> { ["input"] = p.Input, ["output"] = p.Output }).ToList();
            parameters["sequence_idle_seconds"] = manifest.StateIdleSeconds ?? ModelManifest.DefaultStateIdleSeconds;
        }

        return parameters;
    }

    private static async Task<IResult> ReadyAsync(IModelHost host, string name, string? version) =>
        await ResolveAsync(host, name, version, CancellationToken.None) is not null ? Results.Ok() : NotFound(name, version);

    /// <summary>
    /// Calls any model with named tensors in OIP's JSON form. OIP calls are stateless: a stateful model's caller gives the
    /// state inputs itself (the previous answer's state outputs), or leaves them out to start from zeros.
    /// </summary>
    private static async Task<IResult> InferAsync(IModelHost host, string name, string? version, HttpRequest http)
    {
        var model = await ResolveAsync(host, name, version, http.HttpContext.RequestAborted);
        if (model is null)
        {
            return NotFound(name, version);
        }

        try
        {
            using var body = await JsonDocument.ParseAsync(http.Body, new JsonDocumentOptions { MaxDepth = TensorJson.MaxDepth }, http.HttpContext.RequestAborted);
            var request = TensorJson.ReadRequest(body.RootElement);
            var outputs = model.RunTensors(request.Inputs, request.Outputs);
            var answer = TensorJson.ToUtf8(new TensorResponse(model.Manifest.Name, model.Manifest.Version, request.Id, outputs));
            return Results.Bytes(answer, "application/json");
        }
        catch (JsonException ex)
        {
            return BadRequest($"the request is not JSON: {ex.Message}");
        }
        catch (TensorException ex)
        {
            return BadRequest(ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            return BadRequest($"the request cannot be read: {ex.Message}");
        }
        catch (OnnxRuntimeException ex)
        {
            return BadRequest($"model {model.Manifest.Name} failed on these inputs: {ex.Message}");
        }
    }

    private static async Task<LoadedModel?> ResolveAsync(IModelHost host, string name, string? version, CancellationToken cancellationToken) =>
        version is null ? host.Active(name) : await host.GetAsync(name, version, cancellationToken);

    /// <summary>OIP's name for a manifest's element type; a type no tensor carries (a map, a sequence) keeps its own name.</summary>
    private static string Datatype(string elementType) =>
        TensorDatatypes.TryFromOnnx(elementType, out var datatype) ? TensorDatatypes.Name(datatype) : elementType.ToUpperInvariant();

    private static IResult NotFound(string name, string? version) =>
        Results.NotFound(new OipError(version is null ? $"model '{name}' has no active version" : $"model '{name}' has no version '{version}'"));

    private static IResult BadRequest(string error) => Results.BadRequest(new OipError(error));
}
