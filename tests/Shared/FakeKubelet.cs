using System.Globalization;
using IotAi.Trainer;
using k8s.Models;

namespace IotAi.Tests.Shared;

/// <summary>The node's side of the fake: a Job's pod starts, runs and ends, and the Job's status follows as the Job controller sets it.</summary>
internal sealed partial class FakeKubernetesApi
{
    /// <summary>The pod is running: the Job counts it active.</summary>
    public void Start(string job) => Change(job, (j, pod) =>
    {
        j.Status.Active = 1;
        j.Status.StartTime = DateTime.UtcNow;
        pod.Status.Phase = "Running";
    });

    /// <summary>The container exited: the Job completes on 0, and with no retries allowed fails otherwise.</summary>
    public void Finish(string job, int exitCode, string log, string terminationMessage) => Change(job, (j, pod) =>
    {
        var succeeded = exitCode == 0;
        pod.Status.Phase = succeeded ? "Succeeded" : "Failed";
        pod.Status.ContainerStatuses =
        [
            new V1ContainerStatus
            {
                Name = j.Spec.Template.Spec.Containers[0].Name,
                Image = j.Spec.Template.Spec.Containers[0].Image,
                ImageID = "",
                Ready = false,
                RestartCount = 0,
                State = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Message = terminationMessage, Reason = succeeded ? "Completed" : "Error" },
                },
            },
        ];
        _logs[pod.Metadata.Name] = log;
        j.Status.Active = 0;
        j.Status.Succeeded = succeeded ? 1 : 0;
        j.Status.Failed = succeeded ? 0 : 1;
        j.Status.CompletionTime = succeeded ? DateTime.UtcNow : null;
        j.Status.Conditions =
        [
            succeeded
                ? new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = DateTime.UtcNow }
                : new V1JobCondition { Type = "Failed", Status = "True", Reason = "BackoffLimitExceeded", Message = "Job has reached the specified backoff limit", LastTransitionTime = DateTime.UtcNow },
        ];
    });

    /// <summary>
    /// Runs the Job's container as the real trainer, in this process: the Job's data claim is mounted from
    /// <paramref name="claims"/> (claim name → host folder), and the termination message file is a host file,
    /// as a kubelet would provide them.
    /// </summary>
    public async Task RunTrainerAsync(V1Job job, IReadOnlyDictionary<string, string> claims)
    {
        ArgumentNullException.ThrowIfNull(job);
        var pod = job.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var mounts = container.VolumeMounts
            .Select(m => (m.MountPath, Claim: pod.Volumes.Single(v => v.Name == m.Name).PersistentVolumeClaim?.ClaimName))
            .Where(static m => m.Claim is not null)
            .ToDictionary(static m => m.MountPath, m => claims[m.Claim!]);
        var args = container.Args.Select(a => mounts.TryGetValue(a, out var host) ? host : a).ToList();
        var terminationLog = Path.Combine(Path.GetTempPath(), $"termination-{Guid.NewGuid():N}");
        args.AddRange(["--termination-log", terminationLog]);

        Start(job.Metadata.Name);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await TrainerCommand.Create(output).Parse(args).InvokeAsync();
        var message = File.Exists(terminationLog) ? await File.ReadAllTextAsync(terminationLog) : "";
        File.Delete(terminationLog);
        Finish(job.Metadata.Name, exitCode, output.ToString(), message);
    }

    private void Change(string job, Action<V1Job, V1Pod> change)
    {
        lock (_lock)
        {
            var current = _jobs[job];
            var pod = _pods.Values.Single(p => p.Metadata.Labels["job-name"] == job);
            change(current, pod);
            Store(current);
        }
    }
}
