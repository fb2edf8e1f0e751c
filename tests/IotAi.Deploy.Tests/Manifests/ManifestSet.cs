using k8s;
using k8s.Models;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>Every object of one rendering, typed, with the errors of the documents that did not load.</summary>
public sealed class ManifestSet(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, IReadOnlyList<string> loadErrors)
{
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; } = objects;

    public IReadOnlyList<string> LoadErrors { get; } = loadErrors;

    /// <summary>Renders <paramref name="kustomization"/> and loads it; each call gives fresh objects, which a test may change.</summary>
    public static ManifestSet Render(string kustomization) => Load(Kustomize.Render(kustomization));

    /// <summary>Loads YAML strictly, as <c>iotai deploy</c> does before any cluster sees it (<see cref="StrictManifests"/>).</summary>
    public static ManifestSet Load(string yaml)
    {
        var (objects, errors) = StrictManifests.Load(yaml);
        return new ManifestSet(objects, errors);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T? Find<T>(string name)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        All<T>().FirstOrDefault(o => o.Metadata.Name == name);

    public T Get<T>(string name)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Find<T>(name) ?? throw new InvalidOperationException($"the rendering has no {typeof(T).Name} {name}");

    /// <summary>This set with more objects, e.g. the Job a silo creates, so the checks cover pods made at run time too.</summary>
    public ManifestSet With(params IKubernetesObject<V1ObjectMeta>[] more) => new([.. Objects, .. more], LoadErrors);

    public IEnumerable<Workload> Workloads =>
        All<V1Deployment>().Select(static d => new Workload("Deployment", d.Metadata.Name, d.Spec.Template, LongRunning: true))
            .Concat(All<V1StatefulSet>().Select(static s => new Workload("StatefulSet", s.Metadata.Name, s.Spec.Template, LongRunning: true)))
            .Concat(All<V1Job>().Select(static j => new Workload("Job", j.Metadata.Name, j.Spec.Template, LongRunning: false)));

    public Workload Workload(string name) =>
        Workloads.FirstOrDefault(w => w.Name == name) ?? throw new InvalidOperationException($"the rendering has no workload {name}");

    /// <summary>
    /// A workload's settings as the process sees them, in configuration form (<c>Gateway:HttpPort</c>): its
    /// ConfigMaps' entries, then its own env values. Values that come from a Secret or a field are null.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings(Workload workload, string container)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var spec = workload.Pod.Containers.Single(c => c.Name == container);
        foreach (var source in spec.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } reference && Find<V1ConfigMap>(reference.Name) is { Data: { } data })
            {
                foreach (var (key, value) in data)
                {
                    settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
                }
            }
        }

        foreach (var variable in spec.Env ?? [])
        {
            settings[variable.Name.Replace("__", ":", StringComparison.Ordinal)] = variable.ValueFrom is null ? variable.Value : null;
        }

        return settings;
    }
}
