using System.Text.Json.Nodes;
using IotAi.Deploy.Tests.Manifests;
using k8s;
using k8s.Models;

namespace IotAi.Deploy.Tests;

/// <summary>The reference training Job in deploy/k8s/reference is the Job the silo's code builds, field by field.</summary>
public sealed class TrainingJobTests
{
    [Fact]
    public void The_reference_Job_is_what_the_silo_builds_with_the_production_settings()
    {
        var reference = ManifestSet.Load(File.ReadAllText(Repository.PathTo("deploy", "k8s", "reference", "trainer-job.yaml")));
        Findings.None(reference.LoadErrors);
        var built = Rendering.TrainingJob(ManifestSet.Render("overlays/prod"));
        // The silo creates the Job in its own namespace; the reference leaves that to whoever reads it.
        built.Metadata.NamespaceProperty = null;

        Findings.None(Differences(Json(reference.All<V1Job>().Single()), Json(built), "$"));
    }

    [Fact]
    public void A_changed_field_is_reported_with_its_path()
    {
        var built = Rendering.TrainingJob(ManifestSet.Render("overlays/prod"));
        var changed = Rendering.TrainingJob(ManifestSet.Render("overlays/prod"));
        changed.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = false;

        Findings.Reports(Differences(Json(built), Json(changed), "$"), "$.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem");
    }

    private static JsonNode? Json(V1Job job) => JsonNode.Parse(KubernetesJson.Serialize(job));

    private static IEnumerable<string> Differences(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(static p => p.Key).Union(a.Select(static p => p.Key)))
                {
                    foreach (var difference in Differences(e[key], a[key], $"{path}.{key}"))
                    {
                        yield return difference;
                    }
                }

                break;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    foreach (var difference in Differences(i < e.Count ? e[i] : null, i < a.Count ? a[i] : null, $"{path}[{i}]"))
                    {
                        yield return difference;
                    }
                }

                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    yield return $"{path}: the reference has {expected?.ToJsonString() ?? "nothing"}, the code builds {actual?.ToJsonString() ?? "nothing"}";
                }

                break;
        }
    }
}
