using System.Diagnostics;
using IotAi.Silo;
using IotAi.Edge;
using IotAi.ServiceDefaults;
using IotAi.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.EndToEnd.Tests.Observability;

/// <summary>
/// One reading from a real edge agent makes one connected trace: the agent's publish, the silo's ingress, the
/// device grain, the model's wait for its batch, the answer's publish and the agent's receipt, parent to child;
/// and the batch that ran it is a span of its own linked to the request.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-tracing-");
    // The exporter adds from the threads that end spans, without a lock of its own.
    private readonly LockedCollection<Activity> _spans = new();
    private readonly string _device = $"traced-{Guid.NewGuid():N}"[..20];
    private TracerProvider _tracing = null!;
    private GatewayHost _silo = null!;

    public async Task InitializeAsync()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource([EdgeTelemetry.SourceName, .. SiloObservability.Sources]).AddInMemoryExporter(_spans).Build()!;
        _silo = await GatewayHost.StartAsync(_data.FullName);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _tracing.Dispose();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task One_reading_is_one_trace_from_the_device_through_the_cloud_and_back()
    {
        var overrides = new Dictionary<string, string?> { ["SensorInterval"] = "00:00:00.200", ["JointInference"] = "All" };
        await using (var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(_device, _silo.MqttPort, Path.Combine(_data.FullName, "edge"), overrides)))
        {
            await Eventually.TrueAsync(() => Task.FromResult(Snapshot().Any(s => s.DisplayName == "receive result" && Device(s) == _device)),
                "no result came back to the traced device", seconds: 30);
        }

        var spans = Snapshot();
        var receipt = spans.First(s => s.DisplayName == "receive result" && Device(s) == _device);
        var trace = spans.Where(s => s.TraceId == receipt.TraceId).ToList();
        var publish = Single(trace, "publish telemetry");
        var ingress = Single(trace, "ingress Telemetry");
        var grain = Single(trace, "device Telemetry");
        var request = Single(trace, "infer sensor-anomaly");
        var answer = Single(trace, "publish Result");

        Assert.Equal((ActivityKind.Producer, default), (publish.Kind, publish.ParentSpanId));
        Assert.Equal((ActivityKind.Consumer, publish.SpanId), (ingress.Kind, ingress.ParentSpanId));
        Assert.True(Descends(grain, ingress, trace), "the device grain's span is not under the ingress's");
        Assert.True(Descends(request, grain, trace), "the inference request's span is not under the device grain's");
        Assert.Equal((ActivityKind.Producer, ingress.SpanId), (answer.Kind, answer.ParentSpanId));
        Assert.Equal((ActivityKind.Consumer, answer.SpanId), (receipt.Kind, receipt.ParentSpanId));
        var batch = spans.Single(s => s.DisplayName == "infer batch sensor-anomaly" && s.Links.Any(l => l.Context.SpanId == request.SpanId));
        Assert.NotEqual(receipt.TraceId, batch.TraceId);
    }

    private List<Activity> Snapshot() => [.. _spans.Snapshot()];

    private static string? Device(Activity span) => span.GetTagItem("iotai.device.id") as string;

    private static Activity Single(List<Activity> trace, string name) =>
        trace.Where(s => s.DisplayName == name).OrderBy(static s => s.StartTimeUtc).FirstOrDefault()
        ?? throw new Xunit.Sdk.XunitException($"no '{name}' span in the trace; it has {string.Join(", ", trace.Select(static s => s.DisplayName))}");

    /// <summary>Whether <paramref name="span"/> has <paramref name="ancestor"/> above it, through spans such as Orleans' own grain-call spans.</summary>
    private static bool Descends(Activity span, Activity ancestor, List<Activity> trace)
    {
        var bySpan = trace.ToDictionary(static s => s.SpanId);
        for (var parent = span.ParentSpanId; parent != default; parent = bySpan.TryGetValue(parent, out var up) ? up.ParentSpanId : default)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
