using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Http;

namespace IotAi.Tests.Shared;

/// <summary>What a fake Kubernetes API server answers with: objects as the client's JSON, meta/v1 Status errors, and watch events.</summary>
internal static class KubernetesReplies
{
    public static IResult Json(object item, int status = 200) => Content(KubernetesJson.Serialize(item), status);

    public static IResult Content(string json, int status) => Results.Content(json, "application/json", Encoding.UTF8, status);

    public static IResult NotFound(string kind, string name) => Content(Status(404, "NotFound", $"{kind} \"{name}\" not found"), 404);

    /// <summary>A meta/v1 Status as the API server sends with errors (the client's model of it can only be read, not written).</summary>
    public static string Status(int code, string reason, string message) =>
        JsonSerializer.Serialize(new { kind = "Status", apiVersion = "v1", status = code < 400 ? "Success" : "Failure", code, reason, message });

    /// <summary>
    /// Writes a watch stream, one event a line, until the events end or <paramref name="timeoutSeconds"/> pass,
    /// when the server ends it as a real one does and the client must watch again.
    /// </summary>
    public static async Task StreamAsync(HttpContext context, ChannelReader<string> events, int timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await foreach (var line in events.ReadAllAsync(deadline.Token))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), deadline.Token);
                await context.Response.Body.FlushAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The watch's time is up, as a real API server ends it; the client must watch again.
        }
    }

    /// <summary>One line of a watch stream.</summary>
    public static string Event(string type, object item) => $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(item)}}}";
}
