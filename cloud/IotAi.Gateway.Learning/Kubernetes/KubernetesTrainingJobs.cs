using System.Net;
using IotAi.Training;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning.Kubernetes;

/// <summary>
/// Runs a training run as a Kubernetes Job: creates it, watches it to Complete or Failed (watching again
/// whenever the API server ends a watch), collects the trainer's log, reads the outcome the trainer left on the
/// shared volume, and deletes the Job. A Job that never reports within its deadline plus a grace is deleted
/// and the run fails, so a lost Job cannot hold a model's training slot for ever.
/// </summary>
internal sealed partial class KubernetesTrainingJobs(
    IKubernetes kubernetes,
    IOptions<TrainingJobOptions> options,
    TrainingOutcomeStore outcomes,
    ILogger<KubernetesTrainingJobs> logger) : ITrainingExecutor
{
    private readonly TrainingJobOptions _options = options.Value;

    public string Namespace { get; } = options.Value.Namespace is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } own ? own : "default";

    public async Task<TrainingOutcome> RunAsync(TrainingRequest request, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        var job = TrainingJobSpec.Build(request, _options);
        var name = job.Metadata.Name;
        var created = await kubernetes.BatchV1.CreateNamespacedJobAsync(job, Namespace, cancellationToken: cancellationToken);
        progress.Report($"job {Namespace}/{name} created");
        LogCreated(name, Namespace, request.RunId!);
        var failed = true;
        try
        {
            var finished = await FollowAsync(name, created.Metadata.ResourceVersion, progress, cancellationToken);
            var log = await TrainerLogAsync(name, cancellationToken);
            var condition = JobCondition(finished);
            LogFinished(name, condition, log);
            if (condition != "Complete")
            {
                throw new TrainingJobFailedException($"job {name} failed: {FailureReason(finished)}{LastLines(log)}");
            }

            failed = false;
            return outcomes.Find(request.RunId!)
                ?? throw new TrainingJobFailedException($"job {name} completed but left no outcome in {outcomes.Directory}; does it mount the silos' data claim?{LastLines(log)}");
        }
        finally
        {
            if (!failed || !_options.KeepFailedJobs)
            {
                await DeleteAsync(name);
            }
        }
    }

    /// <summary>Watches the Job until it finishes; a watch the server ends is resumed from the last version seen.</summary>
    private async Task<V1Job> FollowAsync(string name, string resourceVersion, IProgress<string> progress, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ActiveDeadline + _options.ReportGrace);
        var version = resourceVersion;
        var reported = "";
        try
        {
            while (true)
            {
                try
                {
                    await foreach (var (type, job) in kubernetes.BatchV1.WatchListNamespacedJobAsync(Namespace, fieldSelector: $"metadata.name={name}",
                        resourceVersion: version, timeoutSeconds: (int)Math.Max(1, _options.WatchTimeout.TotalSeconds), onError: error => LogWatchError(name, error.Message),
                        cancellationToken: deadline.Token))
                    {
                        if (type == WatchEventType.Deleted)
                        {
                            throw new TrainingJobFailedException($"job {name} was deleted before it finished");
                        }

                        version = job.Metadata.ResourceVersion ?? version;
                        if (JobCondition(job) is not null)
                        {
                            return job;
                        }

                        var state = job.Status?.Active > 0 ? "running" : "waiting for its pod";
                        if (state != reported)
                        {
                            progress.Report($"job {name} {state}");
                            reported = state;
                        }
                    }
                }
                catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
                {
                    // The server ended a watch that had nothing to say; the client reads that as a stream cut short.
                }

                // The watch ended without a verdict: the server's timeout, a dropped connection, or an error event such as
                // 410 Expired (a version too old to watch from), which the client hands to onError. Look, then watch again.
                var current = await kubernetes.BatchV1.ReadNamespacedJobAsync(name, Namespace, cancellationToken: deadline.Token);
                if (JobCondition(current) is not null)
                {
                    return current;
                }

                version = current.Metadata.ResourceVersion;
                LogWatchAgain(name);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TrainingJobFailedException($"job {name} did not finish within {_options.ActiveDeadline + _options.ReportGrace}; it was deleted");
        }
    }

    /// <summary>The Job's terminal condition (Complete or Failed), or null while it runs.</summary>
    public static string? JobCondition(V1Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Status?.Conditions?.FirstOrDefault(static c => c.Type is "Complete" or "Failed" && c.Status == "True")?.Type;
    }

    private static string FailureReason(V1Job job) =>
        job.Status?.Conditions?.FirstOrDefault(static c => c.Type == "Failed") is { } failed ? $"{failed.Reason}: {failed.Message}" : "it ended without completing";

    /// <summary>The trainer's log, from its pod; empty when the pod is gone or its log cannot be read.</summary>
    private async Task<string> TrainerLogAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var pods = await kubernetes.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: $"job-name={name}", cancellationToken: cancellationToken);
            var pod = pods.Items.OrderByDescending(static p => p.Metadata.CreationTimestamp).FirstOrDefault();
            if (pod is null)
            {
                return "";
            }

            await using var stream = await kubernetes.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, Namespace, container: TrainingJobSpec.ContainerName,
                tailLines: _options.LogLines, cancellationToken: cancellationToken);
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (HttpOperationException ex)
        {
            LogNoLog(name, (int)ex.Response.StatusCode);
            return "";
        }
    }

    private async Task DeleteAsync(string name)
    {
        try
        {
            // Background propagation removes the Job's pod with it.
            await kubernetes.BatchV1.DeleteNamespacedJobAsync(name, Namespace, propagationPolicy: "Background");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: its TTL passed, or someone removed it.
        }
        catch (HttpOperationException ex)
        {
            // The run's verdict stands; the Job's TTL removes it later.
            LogNotDeleted(name, ex.Response.StatusCode.ToString());
        }
        catch (HttpRequestException ex)
        {
            LogNotDeleted(name, ex.Message);
        }
    }

    private static string LastLines(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : $"; trainer's last words: {string.Join(" | ", lines.TakeLast(3))}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {Job} created in {Namespace} for run {RunId}")]
    private partial void LogCreated(string job, string @namespace, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {Job} ended {Condition}; its log:\n{Log}")]
    private partial void LogFinished(string job, string? condition, string log);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The watch on training job {Job} ended without a verdict; watching again")]
    private partial void LogWatchAgain(string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "The watch on training job {Job} reported: {Error}")]
    private partial void LogWatchError(string job, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The log of training job {Job} could not be read ({Status})")]
    private partial void LogNoLog(string job, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {Job} could not be deleted ({Status}); its TTL will remove it")]
    private partial void LogNotDeleted(string job, string status);
}
