using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>
/// Loads rendered YAML into KubernetesClient's models, strictly: a field the model does not have (a typo such as
/// <c>replicaz</c>) or a value of the wrong type is an error, reported with the object it is in, instead of being
/// dropped as the API server's lenient clients would drop it.
/// </summary>
public static partial class StrictLoader
{
    public static ManifestSet Load(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        var errors = new List<string>();
        var documents = DocumentSeparator().Split(yaml).Where(static d => !string.IsNullOrWhiteSpace(d)).ToList();
        for (var i = 0; i < documents.Count; i++)
        {
            try
            {
                foreach (var loaded in KubernetesYaml.LoadAllFromString(documents[i], typeMap: null, strict: true))
                {
                    if (loaded is IKubernetesObject<V1ObjectMeta> typed)
                    {
                        objects.Add(typed);
                    }
                    else
                    {
                        errors.Add($"document {i + 1} ({Describe(documents[i])}): {loaded?.GetType().Name ?? "nothing"} is not a Kubernetes object with metadata");
                    }
                }
            }
            catch (Exception ex) when (ex is YamlException or ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                errors.Add($"document {i + 1} ({Describe(documents[i])}): {Innermost(ex)}");
            }
        }

        return new ManifestSet(objects, errors);
    }

    /// <summary>apiVersion, kind and name of a document that may not load strictly.</summary>
    private static string Describe(string document)
    {
        try
        {
            var header = KubernetesYaml.Deserialize<ObjectHeader>(document, strict: false);
            return $"{header.ApiVersion} {header.Kind} {header.Metadata?.Name}";
        }
        catch (YamlException)
        {
            return "not even YAML";
        }
    }

    private static string Innermost(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" / ", messages.Distinct());
    }

    [GeneratedRegex(@"^---[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();
}

/// <summary>What names a document, read leniently from one that may not load strictly.</summary>
public sealed class ObjectHeader
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ObjectMeta? Metadata { get; set; }
}
