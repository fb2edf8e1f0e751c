using System.Globalization;
using System.IO.Hashing;
using System.Text;
using IotAi.Training;
using k8s.Models;

namespace IotAi.Gateway.Learning.Kubernetes;

/// <summary>The Job that runs one training run: the trainer image on the shared data claim, locked down like the silos.</summary>
public static class TrainingJobSpec
{
    public const string ContainerName = "trainer";

    /// <summary>The uid the .NET runtime images run their app as (<c>APP_UID</c>).</summary>
    private const long AppUid = 1654;

    private const string SigningMount = "/var/run/secrets/iotai/signing";

    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        ["app.kubernetes.io/name"] = "iotai-trainer",
        ["app.kubernetes.io/part-of"] = "iotai",
        ["app.kubernetes.io/component"] = "training",
    };

    /// <summary>A DNS-1123 name of at most 63 characters, unique per run id.</summary>
    public static string JobName(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var safe = new string([.. runId.ToLowerInvariant().Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        var name = $"iotai-train-{safe}";
        if (name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(XxHash32.Hash(Encoding.UTF8.GetBytes(runId)));
        return $"{name[..54].TrimEnd('-')}-{hash}";
    }

    public static V1Job Build(TrainingRequest request, TrainingJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var runId = request.RunId ?? throw new ArgumentException("a Job needs the run's id", nameof(request));
        var metadata = new V1ObjectMeta
        {
            Name = JobName(runId),
            Labels = new Dictionary<string, string>(Labels),
            Annotations = new Dictionary<string, string> { ["iotai.dev/model"] = request.Model, ["iotai.dev/run-id"] = runId },
        };
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = metadata,
            Spec = new V1JobSpec
            {
                // A run that fails is reported and the next trigger tries again on fresher data; retrying the same snapshot rarely helps.
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)options.ActiveDeadline.TotalSeconds,
                TtlSecondsAfterFinished = (int)options.TtlAfterFinished.TotalSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(Labels), Annotations = new Dictionary<string, string>(metadata.Annotations) },
                    Spec = Pod(request, options),
                },
            },
        };
    }

    private static V1PodSpec Pod(TrainingRequest request, TrainingJobOptions options)
    {
        var volumes = new List<V1Volume>
        {
            new() { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = options.DataClaim } },
            // ML.NET and ONNX export write temporary files; the root filesystem stays read-only.
            new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Gi") } },
        };
        var mounts = new List<V1VolumeMount> { new() { Name = "data", MountPath = options.DataMountPath }, new() { Name = "tmp", MountPath = "/tmp" } };
        var args = new List<string>
        {
            "--data", options.DataMountPath,
            "--model", request.Model,
            "--run-id", request.RunId!,
            "--holdout", Number(request.HoldoutFraction),
            "--min-improvement", Number(request.MinImprovement),
            "--min-samples", request.MinSamples.ToString(CultureInfo.InvariantCulture),
            "--min-evaluation-samples", request.MinEvaluationSamples.ToString(CultureInfo.InvariantCulture),
            "--evaluation-window", request.EvaluationWindow.ToString(CultureInfo.InvariantCulture),
            "--max-label-drop", Number(request.MaxLabelDrop),
            "--regression-margin", Number(request.RegressionMargin),
        };
        if (request.ReplayRatio is { } replay)
        {
            args.AddRange(["--replay-ratio", Number(replay)]);
        }

        if (options.SigningKeySecret is { Length: > 0 } secret)
        {
            volumes.Add(new V1Volume { Name = "signing-key", Secret = new V1SecretVolumeSource { SecretName = secret, DefaultMode = 0x100 } });
            mounts.Add(new V1VolumeMount { Name = "signing-key", MountPath = SigningMount, ReadOnlyProperty = true });
            args.AddRange(["--signing-key", $"{SigningMount}/signing-key.pem"]);
        }

        return new V1PodSpec
        {
            RestartPolicy = "Never",
            ServiceAccountName = options.ServiceAccount,
            AutomountServiceAccountToken = false,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = AppUid,
                RunAsGroup = AppUid,
                FsGroup = AppUid,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Volumes = volumes,
            Containers =
            [
                new V1Container
                {
                    Name = ContainerName,
                    Image = options.Image,
                    ImagePullPolicy = options.ImagePullPolicy,
                    Args = args,
                    VolumeMounts = mounts,
                    TerminationMessagePolicy = "FallbackToLogsOnError",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(options.CpuRequest), ["memory"] = new(options.MemoryRequest) },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(options.CpuLimit), ["memory"] = new(options.MemoryLimit) },
                    },
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        RunAsNonRoot = true,
                        Capabilities = new V1Capabilities { Drop = ["ALL"] },
                    },
                },
            ],
        };
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
