using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace IotAi.Deploy;

/// <summary>
/// Applies objects as <c>kubectl apply --server-side --force-conflicts</c> does: one PATCH per object with the
/// whole object as an <c>application/apply-patch+yaml</c> body, under one field manager, taking over fields another
/// manager set (<c>force=true</c>), so the API server merges and owns the result rather than this client.
/// Namespaced objects that name no namespace go to <c>defaultNamespace</c>, the kubeconfig context's.
/// </summary>
public sealed class ServerSideApplier(IKubernetes client, string fieldManager, bool dryRun, string defaultNamespace)
{
    /// <summary>Applies one object; an API server's refusal is an <see cref="ApplyRefusedException"/> carrying its Status message.</summary>
    public async Task<AppliedObject> ApplyAsync(IKubernetesObject<V1ObjectMeta> item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var resource = ApplyOrder.ResourceOf(item);
        var name = item.Metadata.Name;
        var body = new V1Patch(KubernetesJson.Serialize(item), V1Patch.PatchType.ApplyPatch);
        var dryRunValue = dryRun ? "All" : null;
        HttpStatusCode status;
        try
        {
            using var response = resource.Namespaced
                ? await client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(
                    body, resource.Group, resource.Version, item.Metadata.NamespaceProperty ?? defaultNamespace, resource.Plural, name,
                    dryRun: dryRunValue, fieldManager: fieldManager, force: true, cancellationToken: cancellationToken)
                : await client.CustomObjects.PatchClusterCustomObjectWithHttpMessagesAsync(
                    body, resource.Group, resource.Version, resource.Plural, name,
                    dryRun: dryRunValue, fieldManager: fieldManager, force: true, cancellationToken: cancellationToken);
            status = response.Response.StatusCode;
        }
        catch (HttpOperationException ex)
        {
            throw new ApplyRefusedException(item, ex.Response.StatusCode, ApiServerReplies.Reason(ex.Response.Content), ex);
        }

        // Server-side apply answers 201 when it created the object and 200 otherwise, changed or not.
        var outcome = status == HttpStatusCode.Created ? "created" : "applied";
        return new AppliedObject(item.Kind, name, resource.Namespaced ? item.Metadata.NamespaceProperty ?? defaultNamespace : null, dryRun ? $"{outcome} (dry run)" : outcome);
    }
}

/// <summary>What the API server made of one object: <c>created</c>, or <c>applied</c> where it does not tell more.</summary>
public sealed record AppliedObject(string Kind, string Name, string? Namespace, string Outcome)
{
    public override string ToString() => $"{Kind}/{Name} {Outcome}";
}

/// <summary>The API server refused an object; the message names the object and carries the server's reason.</summary>
public sealed class ApplyRefusedException(IKubernetesObject<V1ObjectMeta> item, HttpStatusCode status, string reason, Exception inner)
    : InvalidOperationException($"the API server refused {item.Kind} {item.Metadata.Name} ({(int)status} {status}): {reason}", inner)
{
    public string Kind { get; } = item.Kind;

    public string Name { get; } = item.Metadata.Name;
}
