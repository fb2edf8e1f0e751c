using System.Net.Http.Json;
using System.Text.Json;

namespace IotAi.Cli;

/// <summary>Reads a silo's HTTP answers for the commands that talk to one: the body, or the silo's refusal as an error.</summary>
internal static class SiloReplies
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        await ThrowIfRefusedAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Web, cancellationToken) ?? throw new InvalidDataException("The silo answered with an empty body.");
    }

    /// <summary>Turns a refusal into an error that carries the silo's reason (its <c>error</c>), which the CLI prints.</summary>
    public static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
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

        throw new InvalidOperationException($"the silo answered {(int)response.StatusCode} {response.ReasonPhrase}: {reason ?? body}{Hint(response)}");
    }

    /// <summary>What to do about a 401: say which key to call with.</summary>
    public static string Hint(HttpResponseMessage response) =>
        response?.StatusCode == System.Net.HttpStatusCode.Unauthorized ? $" (give --api-key, or set {SiloConnection.ApiKeyVariable})" : "";

    /// <summary>Why the silo refused: its API's <c>error</c>, or the <c>detail</c> of a problem answer (a refusal for want of a key or role).</summary>
    public static string? Reason(JsonElement body) =>
        body.ValueKind != JsonValueKind.Object ? null
        : body.TryGetProperty("error", out var error) ? error.GetString()
        : body.TryGetProperty("detail", out var detail) ? detail.GetString()
        : null;
}
