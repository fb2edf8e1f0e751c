using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Gateway.Learning.Kubernetes;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests.Kubernetes;

/// <summary>
/// A silo set to train as Kubernetes Jobs: a run started over HTTP becomes a Job with the expected spec, the
/// node runs the real trainer on the silo's data claim, and the silo follows the Job to Complete, reads the
/// outcome, registers nothing itself, and rolls the trainer's candidate out.
/// </summary>
public sealed class TrainingJobApiTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-job-silo-");
    private FakeKubernetesApi _api = null!;
    private GatewayHost _silo = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        _api.Kubelet = job => _api.RunTrainerAsync(job, new Dictionary<string, string> { ["iotai-models"] = _data.FullName });
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Learning:Training:Executor"] = "KubernetesJob",
            ["Learning:Training:Job:ApiServer"] = _api.Url.ToString(),
            ["Learning:Training:Job:Namespace"] = "iotai-prod",
            ["Learning:Training:Job:Image"] = "registry.example/iotai-trainer:1.4",
            ["Learning:Training:Job:DataClaim"] = "iotai-models",
            ["Learning:Training:Job:ServiceAccount"] = "iotai-trainer",
            ["Learning:Training:Job:ActiveDeadline"] = "00:20:00",
        });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _api.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task A_run_becomes_a_locked_down_job_on_the_data_claim_and_its_candidate_is_registered_and_rolled_out()
    {
        TrainingRuns.KeepReadings(_silo.Services, "sensor-anomaly", 600, drift: 12, seed: 31);
        await using var device = await TestDevice.ConnectAsync(_silo.MqttPort);

        var (runId, status) = await TrainingRuns.RunToVerdictAsync(_silo.Http, new { model = "sensor-anomaly" });

        Assert.True(status.GetProperty("state").GetString() == "registered", status.GetProperty("progress").GetString());
        var registered = _silo.Services.GetRequiredService<ModelRegistry>().Find("sensor-anomaly", "2")!;
        Assert.Equal(status.GetProperty("outcome").GetProperty("snapshotId").GetString(), registered.Manifest.Lineage!.DatasetSnapshot);
        Assert.StartsWith("retrain-", status.GetProperty("rollout").GetString(), StringComparison.Ordinal);
        Assert.Equal(DeviceTopics.ModelOffer(device.Id), (await device.NextAsync()).Topic);
        var job = Assert.Single(_api.Created);
        AssertSpec(job, runId);
        Assert.Equal((TrainingJobSpec.JobName(runId), "Background"), Assert.Single(_api.Deleted));
        Assert.Single(_api.LogsRead);
    }

    private static void AssertSpec(V1Job job, string runId)
    {
        Assert.Equal(TrainingJobSpec.JobName(runId), job.Metadata.Name);
        Assert.Equal(("sensor-anomaly", runId), (job.Metadata.Annotations["iotai.dev/model"], job.Metadata.Annotations["iotai.dev/run-id"]));
        Assert.Equal((0, 1200L), (job.Spec.BackoffLimit, job.Spec.ActiveDeadlineSeconds));
        Assert.NotNull(job.Spec.TtlSecondsAfterFinished);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(("Never", "iotai-trainer", false), (pod.RestartPolicy, pod.ServiceAccountName, pod.AutomountServiceAccountToken));
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.Equal("iotai-models", pod.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);
        var container = Assert.Single(pod.Containers);
        Assert.Equal("registry.example/iotai-trainer:1.4", container.Image);
        Assert.Equal(["--data", "/data", "--model", "sensor-anomaly", "--run-id", runId], container.Args.Take(6));
        Assert.Contains(container.VolumeMounts, m => m is { Name: "data", MountPath: "/data" });
        Assert.Contains(container.VolumeMounts, m => m is { Name: "tmp", MountPath: "/tmp" });
        Assert.Equal((true, false), (container.SecurityContext.ReadOnlyRootFilesystem, container.SecurityContext.AllowPrivilegeEscalation));
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal(["cpu", "memory"], container.Resources.Requests.Keys.Order());
        Assert.Equal(["cpu", "memory"], container.Resources.Limits.Keys.Order());
    }
}
