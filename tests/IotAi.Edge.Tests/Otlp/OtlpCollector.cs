using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace IotAi.Edge.Tests.Otlp;

/// <summary>
/// A stand-in OpenTelemetry collector: OTLP over HTTP with protobuf bodies (<c>POST /v1/traces</c>,
/// <c>/v1/metrics</c>, <c>/v1/logs</c>) on a free loopback port, keeping every export it is sent, decoded.
/// An <see cref="HttpListener"/> rather than ASP.NET Core, whose shared framework would leave the Hosting
/// assemblies out of this folder, where <see cref="AgentProcess"/> runs the real agent program.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ResourceSpans> _spans = new();
    private readonly ConcurrentQueue<ResourceMetrics> _metrics = new();
    private readonly ConcurrentQueue<ResourceLogs> _logs = new();
    private readonly Task _serving;

    private OtlpCollector()
    {
        Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{TestBroker.FreePort()}");
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>What <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> should say to reach this collector.</summary>
    public string Url { get; }

    /// <summary>Every span received so far, with the resource it came from.</summary>
    public IReadOnlyList<(Resource Resource, Span Span)> Spans =>
        [.. _spans.SelectMany(static r => r.ScopeSpans.SelectMany(s => s.Spans.Select(span => (r.Resource, span))))];

    /// <summary>Every metric received so far (one per export), with the resource it came from.</summary>
    public IReadOnlyList<(Resource Resource, Metric Metric)> Metrics =>
        [.. _metrics.SelectMany(static r => r.ScopeMetrics.SelectMany(s => s.Metrics.Select(metric => (r.Resource, metric))))];

    /// <summary>Every log record received so far, with the resource it came from.</summary>
    public IReadOnlyList<(Resource Resource, LogRecord Record)> Logs =>
        [.. _logs.SelectMany(static r => r.ScopeLogs.SelectMany(s => s.LogRecords.Select(record => (r.Resource, record))))];

    public static OtlpCollector Start() => new();

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving;
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            context.Response.StatusCode = Keep(context.Request.HttpMethod, context.Request.Url?.AbsolutePath, body.ToArray());
            // An empty Export*ServiceResponse: everything was accepted.
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    private int Keep(string method, string? path, byte[] body)
    {
        try
        {
            return (method, path) switch
            {
                ("POST", "/v1/traces") => Keep(TracesData.Parser.ParseFrom(body).ResourceSpans, _spans),
                ("POST", "/v1/metrics") => Keep(MetricsData.Parser.ParseFrom(body).ResourceMetrics, _metrics),
                ("POST", "/v1/logs") => Keep(LogsData.Parser.ParseFrom(body).ResourceLogs, _logs),
                _ => 404,
            };
        }
        catch (InvalidProtocolBufferException)
        {
            return 400;
        }
    }

    private static int Keep<T>(RepeatedField<T> resources, ConcurrentQueue<T> into)
    {
        foreach (var resource in resources)
        {
            into.Enqueue(resource);
        }

        return 200;
    }
}

/// <summary>Reading OTLP attributes as the tests compare them.</summary>
public static class OtlpAttributes
{
    /// <summary>The attribute's value as text (numbers in invariant form), or null when it is absent.</summary>
    public static string? Text(this RepeatedField<KeyValue> attributes, string key)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var value = attributes.FirstOrDefault(a => a.Key == key)?.Value;
        return value?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            _ => null,
        };
    }

    /// <summary>Whether the resource is the edge agent of <paramref name="deviceId"/>.</summary>
    public static bool IsAgent(this Resource resource, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Attributes.Text("service.name") == EdgeTelemetryExtensions.ServiceName
            && resource.Attributes.Text("service.instance.id") == deviceId;
    }
}
