using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static IotAi.Tests.Shared.KubernetesReplies;

namespace IotAi.Cli.Tests.Deploy;

/// <summary>
/// A Kubernetes API server on loopback for what <c>iotai deploy</c> touches: server-side apply PATCHes on any
/// resource path, recorded as they came; the silo Deployment (read, listed and watched), its pods by label
/// selector, its autoscaler and disruption budget. An object named in <see cref="Refuse"/> is answered with a
/// 422 as admission or validation would answer it.
/// </summary>
internal sealed class FakeClusterApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refusals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Deployment> _deployments = new(StringComparer.Ordinal);
    private readonly List<V1Pod> _pods = [];
    private readonly Dictionary<string, V2HorizontalPodAutoscaler> _autoscalers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1PodDisruptionBudget> _budgets = new(StringComparer.Ordinal);
    private readonly List<Channel<string>> _watchers = [];
    private readonly SemaphoreSlim _watchStarted = new(0);
    private long _resourceVersion = 500;

    private FakeClusterApi(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.Single());

    /// <summary>Every server-side apply, in the order it came.</summary>
    public ConcurrentQueue<ApplyRequest> Applies { get; } = new();

    public static async Task<FakeClusterApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Port 0: the OS picks a free port, which Urls reports once started.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var api = new FakeClusterApi(app);
        api.Map(app);
        await app.StartAsync();
        return api;
    }

    /// <summary>Applying an object of this kind and name is refused with 422 Invalid and <paramref name="message"/>.</summary>
    public void Refuse(string kind, string name, string message)
    {
        lock (_lock)
        {
            _refusals[$"{kind}/{name}"] = message;
        }
    }

    public void Add(V1Deployment deployment) => Update(deployment);

    public void Add(V1Pod pod)
    {
        lock (_lock)
        {
            _pods.Add(pod);
        }
    }

    public void Add(V2HorizontalPodAutoscaler autoscaler)
    {
        lock (_lock)
        {
            _autoscalers[autoscaler.Metadata.Name] = autoscaler;
        }
    }

    public void Add(V1PodDisruptionBudget budget)
    {
        lock (_lock)
        {
            _budgets[budget.Metadata.Name] = budget;
        }
    }

    /// <summary>Stores the Deployment under a new resource version and tells every watch, as the controller's status updates do.</summary>
    public void Update(V1Deployment deployment)
    {
        lock (_lock)
        {
            var added = !_deployments.ContainsKey(deployment.Metadata.Name);
            deployment.Metadata.ResourceVersion = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            _deployments[deployment.Metadata.Name] = deployment;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(Event(added ? "ADDED" : "MODIFIED", deployment));
            }
        }
    }

    /// <summary>Waits until a watch on Deployments has come in.</summary>
    public Task WatchStartedAsync(CancellationToken cancellationToken) => _watchStarted.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _watchStarted.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapMethods("/api/{**path}", ["PATCH"], ApplyAsync);
        app.MapMethods("/apis/{**path}", ["PATCH"], ApplyAsync);
        const string Deployments = "/apis/apps/v1/namespaces/{ns}/deployments";
        app.MapGet(Deployments, ListOrWatchAsync);
        app.MapGet(Deployments + "/{name}", (string name) => Read(_deployments, "deployments.apps", name));
        app.MapGet("/api/v1/namespaces/{ns}/pods", (string? labelSelector) => Json(PodsMatching(labelSelector)));
        app.MapGet("/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}", (string name) => Read(_autoscalers, "horizontalpodautoscalers.autoscaling", name));
        app.MapGet("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/{name}", (string name) => Read(_budgets, "poddisruptionbudgets.policy", name));
    }

    /// <summary>Server-side apply: 201 the first time a path is applied, 200 after; the object comes back as sent.</summary>
    private async Task<IResult> ApplyAsync(HttpRequest http)
    {
        using var reader = new StreamReader(http.Body);
        var body = await reader.ReadToEndAsync(http.HttpContext.RequestAborted);
        var request = new ApplyRequest(
            http.Method,
            http.Path.Value!,
            http.ContentType ?? "",
            http.Query.ToDictionary(static q => q.Key, static q => q.Value.ToString(), StringComparer.Ordinal),
            JsonNode.Parse(body)!.AsObject());
        Applies.Enqueue(request);
        lock (_lock)
        {
            if (_refusals.TryGetValue($"{request.Kind}/{request.Name}", out var message))
            {
                return Content(Status(422, "Invalid", message), 422);
            }

            var created = request.Query.GetValueOrDefault("dryRun") != "All" && _applied.Add(request.Path);
            return Content(body, created ? 201 : 200);
        }
    }

    private async Task ListOrWatchAsync(HttpContext context)
    {
        var selector = context.Request.Query["fieldSelector"].ToString();
        var name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
        if (context.Request.Query["watch"] != "true")
        {
            V1DeploymentList list;
            lock (_lock)
            {
                list = new V1DeploymentList
                {
                    ApiVersion = "apps/v1",
                    Kind = "DeploymentList",
                    Metadata = new V1ListMeta { ResourceVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                    Items = [.. _deployments.Values.Where(d => name is null || d.Metadata.Name == name)],
                };
            }

            await Json(list).ExecuteAsync(context);
            return;
        }

        var from = long.TryParse(context.Request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var v) ? v : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) ? t : 1800;
        var events = Channel.CreateUnbounded<string>();
        lock (_lock)
        {
            _watchers.Add(events);
            foreach (var changed in _deployments.Values.Where(d => long.Parse(d.Metadata.ResourceVersion, CultureInfo.InvariantCulture) > from))
            {
                events.Writer.TryWrite(Event("MODIFIED", changed));
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
                _watchers.Remove(events);
            }
        }
    }

    /// <summary>Pods whose labels hold every <c>key=value</c> of the selector; anything else in a selector is not served here.</summary>
    private V1PodList PodsMatching(string? labelSelector)
    {
        var wanted = (labelSelector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(static pair => pair.Split('=', 2)).ToList();
        Assert.All(wanted, static pair => Assert.Equal(2, pair.Length));
        lock (_lock)
        {
            return new V1PodList
            {
                ApiVersion = "v1",
                Kind = "PodList",
                Metadata = new V1ListMeta { ResourceVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                Items = [.. _pods.Where(p => wanted.All(w => p.Metadata.Labels.TryGetValue(w[0], out var value) && value == w[1]))],
            };
        }
    }

    private IResult Read<T>(Dictionary<string, T> objects, string resource, string name)
        where T : class
    {
        lock (_lock)
        {
            return objects.TryGetValue(name, out var item) ? Json(item) : NotFound(resource, name);
        }
    }
}

/// <summary>One PATCH as the fake received it: path, content type, query and the object sent.</summary>
internal sealed record ApplyRequest(string Method, string Path, string ContentType, IReadOnlyDictionary<string, string> Query, JsonObject Body)
{
    public string Kind => (string)Body["kind"]!;

    public string Name => (string)Body["metadata"]!["name"]!;
}
