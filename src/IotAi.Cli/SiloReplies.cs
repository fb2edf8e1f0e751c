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
            reason = json.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
        }

        throw new InvalidOperationException($"the silo answered {(int)response.StatusCode} {response.ReasonPhrase}: {reason ?? body}");
    }
}
