using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Learning.Kubernetes;

/// <summary>
/// How a training run becomes a Kubernetes Job. Bound from <c>Learning:Training:Job</c>; used when
/// <c>Learning:Training:Executor</c> is <c>KubernetesJob</c>. The Job mounts the claim that holds the silos'
/// data directory, so the trainer reads the kept samples and registers its candidate where the silos look.
/// </summary>
public sealed class TrainingJobOptions
{
    public const string SectionName = "Learning:Training:Job";

    /// <summary>The Kubernetes API server; unset, the in-cluster service account, else the kubeconfig.</summary>
    public Uri? ApiServer { get; set; }

    /// <summary>The namespace Jobs are created in; unset, the silo's own (<c>POD_NAMESPACE</c>), else <c>default</c>.</summary>
    public string? Namespace { get; set; }

    /// <summary>The trainer's container image, built from <c>deploy/trainer/Dockerfile</c>.</summary>
    [Required]
    public string Image { get; set; } = "iotai-trainer:latest";

    public string ImagePullPolicy { get; set; } = "IfNotPresent";

    /// <summary>The PersistentVolumeClaim that holds the silos' data directory.</summary>
    [Required]
    public string DataClaim { get; set; } = "iotai-data";

    /// <summary>Where the claim is mounted in the trainer's container.</summary>
    [Required]
    public string DataMountPath { get; set; } = "/data";

    /// <summary>A Secret holding the model signing key as <c>signing-key.pem</c>; unset, the key kept on the data volume.</summary>
    public string? SigningKeySecret { get; set; }

    /// <summary>The service account the trainer's pod runs as; it needs no API access.</summary>
    public string? ServiceAccount { get; set; }

    [Required]
    public string CpuRequest { get; set; } = "1";

    [Required]
    public string MemoryRequest { get; set; } = "1Gi";

    [Required]
    public string CpuLimit { get; set; } = "2";

    [Required]
    public string MemoryLimit { get; set; } = "4Gi";

    /// <summary>How long a run may take before Kubernetes stops it (the Job's activeDeadlineSeconds).</summary>
    public TimeSpan ActiveDeadline { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long past the deadline the silo waits for the Job to report before giving up on it and deleting it.</summary>
    public TimeSpan ReportGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one watch request lasts before the API server ends it and the silo watches again.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Keep a failed Job (and its pod, for <c>kubectl logs</c>) instead of deleting it; Kubernetes removes it after <see cref="TtlAfterFinished"/>.</summary>
    public bool KeepFailedJobs { get; set; }

    /// <summary>When Kubernetes removes a finished Job the silo did not delete, e.g. because the silo stopped meanwhile.</summary>
    public TimeSpan TtlAfterFinished { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How many log lines of the trainer the silo keeps from a run.</summary>
    [Range(1, 10_000)]
    public int LogLines { get; set; } = 200;
}
