using IotAi.Models;
using IotAi.Gateway.Learning.Kubernetes;
using IotAi.Training;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning.Tests.Kubernetes;

/// <summary>
/// The Kubernetes Job executor against a loopback API server: it follows a Job to Failed, resumes watches the
/// server ends, starts over from a 410, and gives a Job that never reports up and deletes it.
/// </summary>
public sealed class TrainingJobTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-job-");
    private FakeKubernetesApi _api = null!;
    private readonly List<IKubernetes> _clients = [];

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        _clients.ForEach(static c => c.Dispose());
        await _api.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task A_failed_job_fails_the_run_with_its_reason_and_the_trainers_last_words_and_is_deleted()
    {
        _api.Kubelet = job =>
        {
            _api.Start(job.Metadata.Name);
            _api.Finish(job.Metadata.Name, 1, "snapshotting the labelled samples\ntraining run failed: out of memory\n", "out of memory");
            return Task.CompletedTask;
        };

        var failure = await Assert.ThrowsAsync<TrainingJobFailedException>(() => Jobs().RunAsync(Request("fails"), new Progress<string>(), CancellationToken.None));

        Assert.Contains("BackoffLimitExceeded", failure.Message, StringComparison.Ordinal);
        Assert.Contains("training run failed: out of memory", failure.Message, StringComparison.Ordinal);
        Assert.Single(_api.LogsRead);
        Assert.Equal((TrainingJobSpec.JobName("fails"), "Background"), Assert.Single(_api.Deleted));
    }

    [Fact]
    public async Task A_failed_job_is_kept_for_inspection_when_configured()
    {
        _api.Kubelet = job =>
        {
            _api.Finish(job.Metadata.Name, 1, "bad data\n", "bad data");
            return Task.CompletedTask;
        };

        await Assert.ThrowsAsync<TrainingJobFailedException>(() => Jobs(o => o.KeepFailedJobs = true).RunAsync(Request("kept"), new Progress<string>(), CancellationToken.None));

        Assert.Empty(_api.Deleted);
    }

    [Fact]
    public async Task Watches_the_server_ends_are_resumed_until_the_job_completes()
    {
        var outcome = Outcome("slow");
        _api.Kubelet = async job =>
        {
            _api.Start(job.Metadata.Name);
            // Two watches ended by the server's one-second timeout, and a third that sees the Job complete.
            await _api.WatchesStartedAsync(3, CancellationToken.None);
            new TrainingOutcomeStore(Layout.TrainingRuns).Save(outcome);
            _api.Finish(job.Metadata.Name, 0, "registered 2\n", "registered 2");
        };

        var result = await Jobs(o => o.WatchTimeout = TimeSpan.FromSeconds(1)).RunAsync(Request("slow"), new Progress<string>(), CancellationToken.None);

        Assert.Equal(outcome.Verdict, result.Verdict);
        Assert.True(_api.Watches >= 3, $"{_api.Watches} watches");
        Assert.Equal(TrainingJobSpec.JobName("slow"), Assert.Single(_api.Deleted).Job);
    }

    [Fact]
    public async Task An_expired_watch_starts_again_from_the_job_as_it_is()
    {
        _api.ExpireFirstWatch = true;
        _api.Kubelet = async job =>
        {
            await _api.WatchesStartedAsync(2, CancellationToken.None);
            new TrainingOutcomeStore(Layout.TrainingRuns).Save(Outcome("expired"));
            _api.Finish(job.Metadata.Name, 0, "", "");
        };

        var result = await Jobs().RunAsync(Request("expired"), new Progress<string>(), CancellationToken.None);

        Assert.Equal("expired", result.RunId);
        Assert.True(_api.Watches >= 2);
    }

    [Fact]
    public async Task A_job_that_never_reports_is_given_up_after_its_deadline_and_deleted()
    {
        var failure = await Assert.ThrowsAsync<TrainingJobFailedException>(() =>
            Jobs(o => (o.ActiveDeadline, o.ReportGrace) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))).RunAsync(Request("stuck"), new Progress<string>(), CancellationToken.None));

        Assert.Contains("did not finish within", failure.Message, StringComparison.Ordinal);
        Assert.Equal(TrainingJobSpec.JobName("stuck"), Assert.Single(_api.Deleted).Job);
    }

    [Fact]
    public async Task A_completed_job_without_an_outcome_on_the_volume_fails_the_run()
    {
        _api.Kubelet = job =>
        {
            _api.Finish(job.Metadata.Name, 0, "", "");
            return Task.CompletedTask;
        };

        var failure = await Assert.ThrowsAsync<TrainingJobFailedException>(() => Jobs().RunAsync(Request("lost"), new Progress<string>(), CancellationToken.None));

        Assert.Contains("left no outcome", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_names_are_dns_labels_unique_per_run()
    {
        var longRun = $"{new string('m', 64)}-20261129101500-ab12";

        Assert.Equal("iotai-train-sensor-anomaly-20261129101500-ab12", TrainingJobSpec.JobName("sensor-anomaly-20261129101500-ab12"));
        Assert.Equal("iotai-train-my-model-1", TrainingJobSpec.JobName("My_Model.1"));
        Assert.True(TrainingJobSpec.JobName(longRun).Length <= 63);
        Assert.NotEqual(TrainingJobSpec.JobName(longRun), TrainingJobSpec.JobName(longRun.Replace("ab12", "cd34", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_signing_key_secret_is_mounted_read_only_and_handed_to_the_trainer()
    {
        var job = TrainingJobSpec.Build(Request("keyed"), new TrainingJobOptions { SigningKeySecret = "iotai-signing" });
        var pod = job.Spec.Template.Spec;
        var container = pod.Containers.Single();

        var volume = pod.Volumes.Single(v => v.Secret is not null);
        Assert.Equal(("iotai-signing", 0x100), (volume.Secret.SecretName, volume.Secret.DefaultMode));
        var mount = container.VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.True(mount.ReadOnlyProperty);
        var key = container.Args[container.Args.IndexOf("--signing-key") + 1];
        Assert.Equal($"{mount.MountPath}/signing-key.pem", key);
        Assert.DoesNotContain("--signing-key", TrainingJobSpec.Build(Request("plain"), new TrainingJobOptions()).Spec.Template.Spec.Containers.Single().Args);
    }

    private DataLayout Layout => new(_data.FullName);

    private static TrainingRequest Request(string runId) => new("sensor-anomaly", RunId: runId);

    private static TrainingOutcome Outcome(string runId) => new(runId, "sensor-anomaly", "snap", 100, 25, "1", null, null, "2", "registered 2");

    private KubernetesTrainingJobs Jobs(Action<TrainingJobOptions>? configure = null)
    {
        var options = new TrainingJobOptions { Namespace = "iotai" };
        configure?.Invoke(options);
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url.ToString() });
        _clients.Add(client);
        return new KubernetesTrainingJobs(client, Options.Create(options), new TrainingOutcomeStore(Layout.TrainingRuns), NullLogger<KubernetesTrainingJobs>.Instance);
    }
}
