using k8s;
using k8s.Models;

namespace IotAi.Cli.Deploy;

/// <summary>One rendering of a kustomization: the YAML as kustomize wrote it, and every object in it, typed and loaded strictly.</summary>
internal sealed record RenderedManifests(DirectoryInfo Kustomization, string Yaml, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects);
