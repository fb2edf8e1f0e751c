using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace IotAi.Deploy;

/// <summary>
/// Loads rendered YAML into KubernetesClient's models strictly, one document at a time: a field the model lacks
/// (<c>replicaz</c>) or a value of the wrong type is an error naming the object it is in, where the API server's
/// own lenient decoding would drop the field and apply the rest.
/// </summary>
public static partial class StrictManifests
{
    public static (IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects, IReadOnlyList<string> Errors) Load(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        var errors = new List<string>();
        foreach (var document in Separator().Split(yaml).Where(static d => !string.IsNullOrWhiteSpace(d)))
        {
            try
            {
                foreach (var item in KubernetesYaml.LoadAllFromString(document, typeMap: null, strict: true))
                {
                    if (item is IKubernetesObject<V1ObjectMeta> typed)
                    {
                        objects.Add(typed);
                    }
                    else
                    {
                        errors.Add($"{Name(document)}: not a Kubernetes object with metadata");
                    }
                }
            }
            catch (Exception ex) when (ex is YamlException or ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                errors.Add($"{Name(document)}: {Reasons(ex)}");
            }
        }

        return (objects, errors);
    }

    /// <summary>"Kind name", read leniently from a document that did not load strictly.</summary>
    private static string Name(string document)
    {
        try
        {
            var fields = KubernetesYaml.Deserialize<Dictionary<string, object>>(document);
            var kind = fields.GetValueOrDefault("kind") as string ?? "an object without kind";
            var name = (fields.GetValueOrDefault("metadata") as Dictionary<object, object>)?.GetValueOrDefault("name") as string;
            return $"{kind} {name ?? "without a name"}";
        }
        catch (YamlException)
        {
            return "a document that is not YAML";
        }
    }

    private static string Reasons(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(": ", messages.Distinct());
    }

    [GeneratedRegex(@"^---[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Separator();
}
