using System.Text.Json;
using Google.Protobuf;
using IotAi.Edge.Tests.Otlp;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MeterProvider = OpenTelemetry.Metrics.MeterProvider;
using OpenTelemetry.Trace;

namespace IotAi.Edge.Tests;

/// <summary>
/// The agent's own telemetry over OTLP. These tests are in one class so they never run at once: a tracer provider
/// listens to the <c>IotAi.Edge</c> source process-wide, so one test's sampler would decide another's spans.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private static readonly string[] ExportedMetrics =
        ["iotai.agent.uplinks", "iotai.agent.result.duration", "iotai.agent.queue.depth", "iotai.agent.queue.size", "iotai.agent.offline.time", "iotai.agent.samples"];

    private readonly string _lines = Path.Combine(Path.GetTempPath(), $"edge-otlp-{Guid.NewGuid():N}.jsonl");
    private TestBroker _broker = null!;
    private OtlpCollector _collector = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllLinesAsync(_lines, ["""{"values":{"temperature":40.5,"vibration":0.3,"current":10}}"""]);
        _broker = await TestBroker.StartAsync();
        _collector = OtlpCollector.Start();
    }

    public async Task DisposeAsync()
    {
        await _collector.DisposeAsync();
        await _broker.DisposeAsync();
        File.Delete(_lines);
    }

    [Fact]
    public async Task A_sampled_uplink_and_the_answer_to_it_reach_the_collector_as_one_trace_of_the_device()
    {
        var deviceId = AgentHost.NewDeviceId("otlp-span");
        AnswerEveryUplink(deviceId);
        await using var agent = ExportingAgent(deviceId, sampleRatio: "1");
        await agent.StartAsync();

        var uplink = await _broker.WaitForAsync(p => p.ClientId == deviceId && p.Topic == DeviceTopics.Telemetry(deviceId));

        Span? publish = null, receive = null;
        await Eventually.TrueAsync(() =>
        {
            var spans = _collector.Spans.Where(s => s.Resource.IsAgent(deviceId)).Select(static s => s.Span).ToList();
            // Agents of other tests in this process publish too, and this agent's provider exports their spans as well.
            publish = spans.FirstOrDefault(s => s.Name == "publish telemetry" && s.Attributes.Text("iotai.device.id") == deviceId);
            receive = spans.FirstOrDefault(s => s.Name == "receive result" && publish is not null && s.ParentSpanId == publish.SpanId);
            return Task.FromResult(publish is not null && receive is not null);
        }, "the agent's publish and receive spans never reached the collector", seconds: 30);

        Assert.Equal(Span.Types.SpanKind.Producer, publish!.Kind);
        Assert.Equal(deviceId, publish.Attributes.Text("iotai.device.id"));
        Assert.Equal("1", publish.Attributes.Text("iotai.seq"));
        // The context the uplink carried is the exported span's, sampled.
        Assert.Equal($"00-{Hex(publish.TraceId)}-{Hex(publish.SpanId)}-01", uplink.UserProperties[UserProperties.TraceParent]);
        Assert.Equal(Span.Types.SpanKind.Consumer, receive!.Kind);
        Assert.Equal(publish.TraceId, receive.TraceId);
        Assert.Equal(publish.SpanId, receive.ParentSpanId);
    }

    [Fact]
    public async Task Metrics_and_logs_reach_the_collector_with_the_device_as_their_resource_and_never_as_a_tag()
    {
        var deviceId = AgentHost.NewDeviceId("otlp-meter");
        AnswerEveryUplink(deviceId);
        await using var agent = ExportingAgent(deviceId, sampleRatio: "1");
        // A subscriber that fails while the answer's span is current: the agent logs it, within that span.
        agent.Agent.ResultReceived += (_, _) => throw new InvalidOperationException("a subscriber that always fails");
        await agent.StartAsync();
        await _broker.WaitForAsync(p => p.ClientId == deviceId && p.Topic == DeviceTopics.Telemetry(deviceId));

        LogRecord? failure = null;
        await Eventually.TrueAsync(() =>
        {
            failure = _collector.Logs.FirstOrDefault(l => l.Resource.IsAgent(deviceId) && l.Record.Body?.StringValue is { } body && body.Contains("subscriber threw", StringComparison.Ordinal)).Record;
            return Task.FromResult(failure is not null);
        }, "the agent's log of the failing subscriber never reached the collector", seconds: 30);
        await Eventually.TrueAsync(
            () => Task.FromResult(_collector.Spans.Any(s => s.Resource.IsAgent(deviceId) && s.Span.Name == "receive result")),
            "the receive span never reached the collector", seconds: 30);
        await Eventually.TrueAsync(
            () => Task.FromResult(ExportedMetrics.All(name => Exported(deviceId).Any(m => m.Name == name)) && Acknowledged(deviceId) >= 1),
            $"the collector lacks some of {string.Join(", ", ExportedMetrics)}, or an acknowledged uplink", seconds: 30);

        var receive = _collector.Spans.First(s => s.Resource.IsAgent(deviceId) && s.Span.Name == "receive result").Span;
        Assert.NotNull(failure);
        Assert.Equal(receive.TraceId, failure.TraceId);
        Assert.Equal(receive.SpanId, failure.SpanId);
        Assert.Equal(nameof(EdgeResult), failure.Attributes.Text("EventArgs"));
        var tags = Exported(deviceId).SelectMany(Attributes).ToList();
        Assert.Contains(tags, static t => t.Key == "iotai.payload.kind");
        Assert.DoesNotContain(tags, t => t.Value.Contains(deviceId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task At_sample_ratio_zero_uplinks_say_they_are_unsampled_and_no_span_of_the_device_is_exported()
    {
        var deviceId = AgentHost.NewDeviceId("otlp-zero");
        var agent = ExportingAgent(deviceId, sampleRatio: "0");
        try
        {
            await agent.StartAsync();
            var uplink = await _broker.WaitForAsync(p => p.ClientId == deviceId && p.Topic == DeviceTopics.Telemetry(deviceId));

            // The decision travels: the cloud keeps no span of a trace the device did not sample.
            Assert.EndsWith("-00", uplink.UserProperties[UserProperties.TraceParent], StringComparison.Ordinal);
        }
        finally
        {
            // Stopping flushes whatever the agent still held, so what the collector has now is all it will get.
            await agent.DisposeAsync();
        }

        Assert.DoesNotContain(_collector.Spans, s => s.Resource.IsAgent(deviceId));
        Assert.Contains(_collector.Metrics, m => m.Resource.IsAgent(deviceId));
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_registered_and_uplinks_carry_no_trace()
    {
        var deviceId = AgentHost.NewDeviceId("otlp-none");
        await using var agent = AgentHost.Create(_broker.Port, deviceId, Settings("1"));

        Assert.Null(agent.Services.GetService<TracerProvider>());
        Assert.Null(agent.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(agent.Services.GetServices<ILoggerProvider>(), static p => p.GetType().Namespace?.StartsWith("OpenTelemetry", StringComparison.Ordinal) == true);

        await agent.StartAsync();
        var uplink = await _broker.WaitForAsync(p => p.ClientId == deviceId && p.Topic == DeviceTopics.Telemetry(deviceId));

        // No listener, so no span was even started: tracing cost nothing.
        Assert.False(uplink.UserProperties.ContainsKey(UserProperties.TraceParent));
    }

    private AgentHost ExportingAgent(string deviceId, string sampleRatio) =>
        AgentHost.Create(_broker.Port, deviceId, Settings(sampleRatio), environment: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export within a moment rather than the defaults' seconds and minute.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });

    private Dictionary<string, string?> Settings(string sampleRatio) => new()
    {
        ["Sources:0"] = "jsonl",
        ["JsonLinesPath"] = _lines,
        ["TraceSampleRatio"] = sampleRatio,
    };

    /// <summary>Answers each telemetry uplink as the cloud would, under the trace context the uplink carried.</summary>
    private void AnswerEveryUplink(string deviceId) => _broker.Responder = async publish =>
    {
        if (publish.ClientId == deviceId && publish.Topic == DeviceTopics.Telemetry(deviceId)
            && publish.UserProperties.TryGetValue(UserProperties.TraceParent, out var traceParent))
        {
            var result = new InferenceResult(AgentHost.SeqOf(publish), "telemetry", "sensor-anomaly", "1", "normal", 0.9f, new Dictionary<string, float>(), 1);
            await _broker.InjectAsync(DeviceTopics.Result(deviceId), JsonSerializer.SerializeToUtf8Bytes(result, ProtocolJson.Wire.InferenceResult),
                new Dictionary<string, string> { [UserProperties.TraceParent] = traceParent });
        }
    };

    private List<Metric> Exported(string deviceId) => [.. _collector.Metrics.Where(m => m.Resource.IsAgent(deviceId)).Select(static m => m.Metric)];

    private long Acknowledged(string deviceId) => Exported(deviceId)
        .Where(static m => m.Name == "iotai.agent.uplinks")
        .SelectMany(static m => m.Sum.DataPoints)
        .Where(static p => p.Attributes.Text("iotai.outcome") == "acknowledged" && p.Attributes.Text("iotai.payload.kind") == nameof(PayloadKind.Telemetry))
        .Select(static p => p.AsInt)
        .DefaultIfEmpty()
        .Max();

    private static IEnumerable<(string Key, string Value)> Attributes(Metric metric) =>
        (metric.DataCase switch
        {
            Metric.DataOneofCase.Sum => metric.Sum.DataPoints.SelectMany(static p => p.Attributes),
            Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.SelectMany(static p => p.Attributes),
            Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.SelectMany(static p => p.Attributes),
            _ => [],
        }).Select(static a => (a.Key, a.Value.StringValue));

    private static string Hex(ByteString id) => Convert.ToHexStringLower(id.Span);
}
