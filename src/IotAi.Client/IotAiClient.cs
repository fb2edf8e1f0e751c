using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Models;

namespace IotAi.Client;

/// <summary>
/// A typed client of one silo's HTTP API. Each call goes to a route of <see cref="ApiRoutes"/>; a refusal throws
/// <see cref="ApiRefusedException"/> with the silo's reason. Answers the CLI prints or picks apart stay
/// <see cref="JsonElement"/>s, so nothing the silo adds is lost on the way.
/// </summary>
public sealed class IotAiClient(HttpClient http) : IDisposable
{
    /// <summary>The environment variable an API key is read from when none is given.</summary>
    public const string ApiKeyVariable = "IOTAI_API_KEY";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>A client for the silo at <paramref name="silo"/>, calling with <paramref name="apiKey"/> as a bearer token.</summary>
    public static IotAiClient Create(Uri silo, string? apiKey, TimeSpan? timeout = null) => new(CreateHttp(silo, apiKey, timeout));

    /// <summary>The HTTP client every call to a silo goes through: its base address, and the key as a bearer token.</summary>
    public static HttpClient CreateHttp(Uri silo, string? apiKey, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = silo };
        if (timeout is { } limit)
        {
            http.Timeout = limit;
        }

        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return http;
    }

    public Task<JsonElement> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.Device, [deviceId], null, cancellationToken);

    /// <summary>Sets desired properties on a device's twin; the device gets them at once or when it returns. The silo answers with no body.</summary>
    public Task SetDesiredAsync(string deviceId, IReadOnlyDictionary<string, string> desired, CancellationToken cancellationToken = default) =>
        SendAsync(ApiRoutes.DeviceDesired, [deviceId], JsonContent.Create(desired), cancellationToken);

    /// <summary>Replaces the tags rollouts target a device by. The silo answers with no body.</summary>
    public Task SetTagsAsync(string deviceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default) =>
        SendAsync(ApiRoutes.DeviceTags, [deviceId], JsonContent.Create(tags), cancellationToken);

    /// <summary>Offers a registered version to a device over the air. The silo accepts it with no body.</summary>
    public Task OfferModelAsync(string deviceId, string name, string version, CancellationToken cancellationToken = default) =>
        SendAsync(ApiRoutes.DeviceOffer, [deviceId], JsonContent.Create(new { name, version }), cancellationToken);

    public Task<JsonElement> GetCredentialAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.Credential, [deviceId], null, cancellationToken);

    /// <summary>Enrols a device; the answer holds its secret, shown this once. A device enrolled already is refused with 409.</summary>
    public Task<JsonElement> EnrolAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.Enrol, [deviceId], null, cancellationToken);

    public Task<JsonElement> RotateCredentialAsync(string deviceId, int graceSeconds, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.RotateCredential, [deviceId], JsonContent.Create(new { graceSeconds }), cancellationToken);

    public Task<JsonElement> RevokeCredentialAsync(string deviceId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.RevokeCredential, [deviceId], null, cancellationToken);

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<ModelSummary>>(ApiRoutes.Models, [], null, cancellationToken);

    /// <summary>A version's state, signature and manifest.</summary>
    public Task<JsonElement> GetModelAsync(string name, string version, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.ModelVersion, [name, version], null, cancellationToken);

    /// <summary>Registers a package (<paramref name="onnxQuery"/> null), or an ONNX file for the silo to sign with the query's settings.</summary>
    public async Task<ModelSummary> ImportModelAsync(HttpContent content, string? onnxQuery, CancellationToken cancellationToken = default)
    {
        var path = onnxQuery is null ? ApiRoutes.ImportModel.Path() : $"{ApiRoutes.ImportOnnx.Path()}?{onnxQuery}";
        using var response = await _http.PostAsync(path, content, cancellationToken);
        return await ReadAsync<ModelSummary>(response, cancellationToken);
    }

    /// <summary>Promotes, deprecates or deletes a version; returns its new state, or null once deleted.</summary>
    public async Task<string?> ChangeModelAsync(string verb, string name, string version, CancellationToken cancellationToken = default)
    {
        var route = verb switch
        {
            "promote" => ApiRoutes.PromoteModel,
            "deprecate" => ApiRoutes.DeprecateModel,
            "delete" => ApiRoutes.DeleteModel,
            _ => throw new ArgumentException($"a version is promoted, deprecated or deleted, not '{verb}'", nameof(verb)),
        };
        using var response = await SendRawAsync(route, [name, version], null, cancellationToken);
        return response.StatusCode == HttpStatusCode.NoContent ? null : (await ReadAsync<ModelSummary>(response, cancellationToken)).State;
    }

    public Task<ModelKeySetView> GetModelKeysAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ModelKeySetView>(ApiRoutes.ModelKeys, [], null, cancellationToken);

    /// <summary>Starts a rollout of <paramref name="plan"/> (the management API's rollout request).</summary>
    public Task<JsonElement> StartRolloutAsync(object plan, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.StartRollout, [], JsonContent.Create(plan), cancellationToken);

    public Task<JsonElement> GetRolloutAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.Rollout, [id], null, cancellationToken);

    /// <summary>Pauses, resumes or aborts a rollout.</summary>
    public Task<JsonElement> ChangeRolloutAsync(string id, string verb, CancellationToken cancellationToken = default) => SendAsync<JsonElement>(verb switch
    {
        "pause" => ApiRoutes.PauseRollout,
        "resume" => ApiRoutes.ResumeRollout,
        "abort" => ApiRoutes.AbortRollout,
        _ => throw new ArgumentException($"a rollout is paused, resumed or aborted, not '{verb}'", nameof(verb)),
    }, [id], null, cancellationToken);

    /// <summary>The samples kept for <paramref name="model"/>, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListSamplesAsync(string model, bool unlabelledOnly, int limit, CancellationToken cancellationToken = default)
    {
        var query = $"?model={Uri.EscapeDataString(model)}{(unlabelledOnly ? "&labelled=false" : "")}&limit={limit}";
        using var response = await _http.GetAsync(ApiRoutes.Samples.Path() + query, cancellationToken);
        return await ReadAsync<JsonElement[]>(response, cancellationToken);
    }

    public Task<JsonElement> LabelSampleAsync(string id, string label, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.LabelSample, [id], JsonContent.Create(new { label }), cancellationToken);

    /// <summary>Starts a training run (the management API's training request); the answer is its status.</summary>
    public Task<JsonElement> StartTrainingAsync(object request, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.StartTraining, [], JsonContent.Create(request), cancellationToken);

    public Task<JsonElement> GetTrainingAsync(string runId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(ApiRoutes.TrainingRun, [runId], null, cancellationToken);

    public async Task<IReadOnlyList<JsonElement>> ListTrainingAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<JsonElement[]>(ApiRoutes.TrainingRuns, [], null, cancellationToken);

    /// <summary>Whether the silo takes traffic: its models are loaded, it is active in its cluster, MQTT is bound.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(ApiRoutes.Ready.Path(), cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Turns a refusal into an error that carries the silo's reason.</summary>
    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? reason = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            reason = Reason(json.RootElement);
        }
        catch (JsonException)
        {
        }

        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? $" (give an API key, or set {ApiKeyVariable})" : "";
        throw new ApiRefusedException(response.StatusCode, $"the silo answered {(int)response.StatusCode} {response.ReasonPhrase}: {reason ?? body}{hint}");
    }

    /// <summary>Why the silo refused: its API's <c>error</c>, or the <c>detail</c> of a problem answer (a refusal for want of a key or role).</summary>
    private static string? Reason(JsonElement body) =>
        body.ValueKind != JsonValueKind.Object ? null
        : body.TryGetProperty("error", out var error) ? error.GetString()
        : body.TryGetProperty("detail", out var detail) ? detail.GetString()
        : null;

    private async Task SendAsync(ApiRoute route, string[] values, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(route, values, content, cancellationToken);
        await ThrowIfRefusedAsync(response, cancellationToken);
    }

    private async Task<T> SendAsync<T>(ApiRoute route, string[] values, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(route, values, content, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendRawAsync(ApiRoute route, string[] values, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(values)) { Content = content };
        return await _http.SendAsync(request, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await ThrowIfRefusedAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Web, cancellationToken) ?? throw new InvalidDataException("The silo answered with an empty body.");
    }
}
