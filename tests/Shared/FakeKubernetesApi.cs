using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static IotAi.Tests.Shared.KubernetesReplies;

namespace IotAi.Tests.Shared;

/// <summary>
/// A Kubernetes API server on loopback with the real paths for Jobs, their pods and pod logs, and a real watch
/// stream: newline-delimited JSON events from the requested resource version on, ended by the server after
/// <c>timeoutSeconds</c> as a real one ends it. What becomes of a created Job is up to <see cref="Kubelet"/>,
/// which plays the node: it can run the real trainer, fail, or never report (see <see cref="FakeKubelet"/>).
/// </summary>
internal sealed partial class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, V1Job> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _logs = new(StringComparer.Ordinal);
    private readonly List<(string Job, Channel<string> Events)> _watchers = [];
    private readonly SemaphoreSlim _watchStarted = new(0);
    private long _resourceVersion = 1000;
    private int _watches;

    private FakeKubernetesApi(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>What the node does with a Job once it is created; by default nothing, so the Job never finishes.</summary>
    public Func<V1Job, Task> Kubelet { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Every Job as it was posted, before the server filled anything in.</summary>
    public ConcurrentQueue<V1Job> Created { get; } = new();

    /// <summary>Deleted Jobs with the propagation policy each delete asked for.</summary>
    public ConcurrentQueue<(string Job, string? Propagation)> Deleted { get; } = new();

    /// <summary>Pods whose log was read.</summary>
    public ConcurrentQueue<string> LogsRead { get; } = new();

    public int Watches => Volatile.Read(ref _watches);

    /// <summary>When set, the first watch is answered with a 410 "too old resource version" error event.</summary>
    public bool ExpireFirstWatch { get; set; }

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        var api = new FakeKubernetesApi(app, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
        api.Map(app);
        await app.StartAsync();
        return api;
    }

    /// <summary>Waits until <paramref name="count"/> more watch requests have come in.</summary>
    public async Task WatchesStartedAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await _watchStarted.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _watchStarted.Dispose();
    }

    private void Map(WebApplication app)
    {
        const string Jobs = "/apis/batch/v1/namespaces/{ns}/jobs";
        app.MapPost(Jobs, CreateAsync);
        app.MapGet(Jobs, WatchAsync);
        app.MapGet(Jobs + "/{name}", (string name) => Find(name) is { } job ? Json(job) : NotFound("jobs", name));
        app.MapDelete(Jobs + "/{name}", (string name, string? propagationPolicy) => Delete(name, propagationPolicy));
        app.MapGet("/api/v1/namespaces/{ns}/pods", (string? labelSelector) => Json(PodsOf(labelSelector)));
        app.MapGet("/api/v1/namespaces/{ns}/pods/{pod}/log", (string pod, int? tailLines) => Log(pod, tailLines));
    }

    private async Task<IResult> CreateAsync(HttpContext context, string ns)
    {
        using var reader = new StreamReader(context.Request.Body);
        var posted = KubernetesJson.Deserialize<V1Job>(await reader.ReadToEndAsync(context.RequestAborted));
        Created.Enqueue(KubernetesJson.Deserialize<V1Job>(KubernetesJson.Serialize(posted)));
        V1Job job;
        lock (_lock)
        {
            if (_jobs.ContainsKey(posted.Metadata.Name))
            {
                return Content(Status(409, "AlreadyExists", $"jobs.batch \"{posted.Metadata.Name}\" already exists"), 409);
            }

            posted.Metadata.NamespaceProperty = ns;
            posted.Metadata.Uid = Guid.NewGuid().ToString();
            posted.Metadata.CreationTimestamp = DateTime.UtcNow;
            posted.Status = new V1JobStatus();
            job = Store(posted);
            var podName = $"{job.Metadata.Name}-{Guid.NewGuid().ToString("N")[..5]}";
            var labels = new Dictionary<string, string>(job.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>()) { ["job-name"] = job.Metadata.Name };
            _pods[podName] = new V1Pod
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Metadata = new V1ObjectMeta { Name = podName, NamespaceProperty = ns, Labels = labels, CreationTimestamp = DateTime.UtcNow },
                Spec = job.Spec.Template.Spec,
                Status = new V1PodStatus { Phase = "Pending" },
            };
        }

        _ = Task.Run(() => Kubelet(job));
        return Json(job, 201);
    }

    /// <summary>Only watches are served on the collection; the executor never lists Jobs.</summary>
    private async Task WatchAsync(HttpContext context)
    {
        if (context.Request.Query["watch"] != "true")
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        var selector = context.Request.Query["fieldSelector"].ToString();
        var name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : "";
        var from = long.TryParse(context.Request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var v) ? v : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) ? t : 1800;
        var events = Channel.CreateUnbounded<string>();
        var expire = false;
        lock (_lock)
        {
            expire = ExpireFirstWatch && _watches == 0;
            _watches++;
            if (expire)
            {
                events.Writer.TryWrite($"{{\"type\":\"ERROR\",\"object\":{Status(410, "Expired", "too old resource version")}}}");
                events.Writer.TryComplete();
            }
            else
            {
                _watchers.Add((name, events));
                if (_jobs.TryGetValue(name, out var job) && long.Parse(job.Metadata.ResourceVersion, CultureInfo.InvariantCulture) > from)
                {
                    events.Writer.TryWrite(Event(from == 0 ? "ADDED" : "MODIFIED", job));
                }
            }
        }

        _watchStarted.Release();
        try
        {
            await StreamAsync(context, events.Reader, timeout);
        }
        finally
        {
            lock (_lock)
            {
                _watchers.RemoveAll(w => w.Events == events);
            }
        }
    }

    private IResult Delete(string name, string? propagation)
    {
        V1Job? job;
        lock (_lock)
        {
            if (_jobs.Remove(name, out job))
            {
                foreach (var pod in _pods.Where(p => p.Value.Metadata.Labels["job-name"] == name).Select(p => p.Key).ToList())
                {
                    _pods.Remove(pod);
                }

                Publish(name, Event("DELETED", job));
            }
        }

        Deleted.Enqueue((name, propagation));
        return job is null ? NotFound("jobs", name) : Content(Status(200, "", ""), 200);
    }

    private V1PodList PodsOf(string? labelSelector)
    {
        var job = labelSelector?.StartsWith("job-name=", StringComparison.Ordinal) == true ? labelSelector["job-name=".Length..] : null;
        lock (_lock)
        {
            return new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta(), Items = [.. _pods.Values.Where(p => job is null || p.Metadata.Labels["job-name"] == job)] };
        }
    }

    private IResult Log(string pod, int? tailLines)
    {
        LogsRead.Enqueue(pod);
        lock (_lock)
        {
            if (!_logs.TryGetValue(pod, out var log))
            {
                return NotFound("pods", pod);
            }

            var lines = log.Split('\n');
            return Results.Text(string.Join('\n', tailLines is int n ? lines.TakeLast(n) : lines), "text/plain");
        }
    }

    private V1Job? Find(string name)
    {
        lock (_lock)
        {
            return _jobs.GetValueOrDefault(name);
        }
    }

    /// <summary>Stores a Job under a new resource version and tells its watchers; call under the lock.</summary>
    private V1Job Store(V1Job job)
    {
        var added = !_jobs.ContainsKey(job.Metadata.Name);
        job.Metadata.ResourceVersion = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        _jobs[job.Metadata.Name] = job;
        Publish(job.Metadata.Name, Event(added ? "ADDED" : "MODIFIED", job));
        return job;
    }

    private void Publish(string job, string line)
    {
        foreach (var watcher in _watchers.Where(w => w.Job == job))
        {
            watcher.Events.Writer.TryWrite(line);
        }
    }
}
