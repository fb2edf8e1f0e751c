namespace IotAi.Models;

/// <summary>
/// Where a silo keeps what must outlive it, under one data directory: the model registry, the signing keys,
/// grain state, kept samples, dataset snapshots and training outcomes. A trainer running as a Kubernetes Job
/// mounts the same volume and finds everything where the silo does.
/// </summary>
public sealed record DataLayout(string Root)
{
    public string Models => Under("models");

    public string Keys => Under("keys");

    public string State => Under("state");

    public string Samples => Under("samples");

    public string Datasets => Under("datasets");

    /// <summary>One JSON outcome per training run, so a run in another process reports back through the volume.</summary>
    public string TrainingRuns => Under("training");

    /// <summary>The file name of the admin API key a silo with no keys configured generates into <see cref="Keys"/>.</summary>
    public const string AdminApiKeyFileName = "api-admin.key";

    /// <summary>The admin API key a silo with no keys configured generates, for the CLI and tools on the same machine.</summary>
    public string AdminApiKey => Path.Combine(Keys, AdminApiKeyFileName);

    /// <summary>The management API's audit log, one JSON-lines file per day.</summary>
    public string Audit => Under("audit");

    private string Under(string folder) => Path.GetFullPath(Path.Combine(Root, folder));
}
