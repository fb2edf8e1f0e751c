using k8s;
using k8s.Models;

namespace IotAi.Deploy;

/// <summary>One rendering of a kustomization: the YAML as kustomize wrote it, and every object in it, typed and loaded strictly.</summary>
public sealed record RenderedManifests(DirectoryInfo Kustomization, string Yaml, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects);
