using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;

namespace IotAi.Deploy;

/// <summary>Turns what goes wrong between the CLI and a cluster into one line a person can act on.</summary>
public static class ApiServerReplies
{
    /// <summary>Whether <paramref name="ex"/> is a failure the user can act on, said without a stack trace.</summary>
    public static bool IsUserFacing(Exception ex) =>
        ex is InvalidOperationException or IOException or KubeConfigException or HttpRequestException or HttpOperationException;

    public static string Describe(Exception ex) => ex switch
    {
        HttpOperationException refused => $"the Kubernetes API server answered {(int)refused.Response.StatusCode} {refused.Response.StatusCode}: {Reason(refused.Response.Content)}",
        HttpRequestException unreachable => $"cannot reach the Kubernetes API server: {unreachable.Message}",
        KubeConfigException config => $"the kubeconfig cannot be used: {config.Message}",
        _ => ex.Message,
    };

    /// <summary>The message of the meta/v1 Status an API server sends with a refusal, else the body as it came.</summary>
    public static string Reason(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "no reason given";
        }

        try
        {
            return KubernetesJson.Deserialize<V1Status>(body) is { Message: { Length: > 0 } message } ? message : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public static bool IsNotFound(HttpOperationException ex) => ex?.Response.StatusCode == HttpStatusCode.NotFound;
}
