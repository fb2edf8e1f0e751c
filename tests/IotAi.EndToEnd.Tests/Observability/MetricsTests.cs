using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests.Observability;

/// <summary>After a known workload, a silo's counters and histograms hold exactly what happened.</summary>
public sealed class MetricsTests : IAsyncLifetime, IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-metrics-");
    private GatewayHost _silo = null!;
    private ScopedMeasurements _metrics = null!;

    public async Task InitializeAsync()
    {
        // No random or evaluation share: only the anomaly is kept, so the count is known.
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Learning:Capture:Default:RandomFraction"] = "0",
            ["Learning:Capture:Default:EvaluationFraction"] = "0",
        });
        _metrics = new ScopedMeasurements(_silo.Services.GetRequiredService<IMeterFactory>(),
            "iotai.mqtt.messages.in", "iotai.mqtt.messages.out", "iotai.mqtt.uplink.duration", "iotai.mqtt.connections", "iotai.device.uplinks",
            "iotai.inference.batch.size", "iotai.learning.samples.kept", "iotai.learning.labels", "iotai.edge.queue.depth", "iotai.edge.offline.duration",
            "iotai.fleet.devices", "iotai.model.answers.graded", "iotai.inference.queue.depth");
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public async Task Three_readings_one_anomaly_kept_and_labelled_are_counted_as_such()
    {
        await using (var device = await TestDevice.ConnectAsync(_silo.MqttPort, "metrics-device"))
        {
            foreach (var (seq, temperature) in new[] { (1L, 45.0), (2L, 88.0), (3L, 46.0) })
            {
                await device.SendTelemetryAsync(seq, temperature);
                await device.NextResultAsync();
            }

            (await _silo.Http.PostAsJsonAsync("/api/samples/metrics-device.2/label", new { label = "anomaly" })).EnsureSuccessStatusCode();
            Assert.Equal(1, _metrics.Sum("iotai.mqtt.connections"));
        }

        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Sum("iotai.mqtt.connections") == 0), "the disconnect was not counted", seconds: 15);
        Assert.Equal(3, _metrics.Sum("iotai.mqtt.messages.in", ("iotai.payload.kind", "Telemetry")));
        Assert.Equal(3, _metrics.Sum("iotai.mqtt.messages.out", ("iotai.downlink.kind", "Result")));
        Assert.Equal(3, _metrics.Count("iotai.mqtt.uplink.duration"));
        Assert.Equal(3, _metrics.Sum("iotai.device.uplinks"));
        Assert.Equal(3, _metrics.Sum("iotai.inference.batch.size", ("iotai.model", "sensor-anomaly")));
        Assert.Equal(1, _metrics.Sum("iotai.learning.samples.kept", ("iotai.capture.reason", "Anomaly")));
        Assert.Equal(1, _metrics.Sum("iotai.learning.samples.kept"));
        Assert.Equal(1, _metrics.Sum("iotai.learning.labels", ("iotai.label.source", "operator")));
        // Every reading answered, the model's queue is empty, and shown as such.
        Assert.Equal(0, _metrics.Gauge("iotai.inference.queue.depth", ("iotai.model", "sensor-anomaly"), ("iotai.model.version", "1")));
    }

    [Fact]
    public void Every_histogram_the_silo_records_has_buckets_for_its_unit()
    {
        // With OpenTelemetry's default buckets an uplink answered in 2 ms and one answered in 4 s would share the first,
        // and a dashboard's p99 would read as seconds.
        var histograms = PublishedHistograms.Of("IotAi.");
        Assert.Contains("iotai.inference.batch.duration", histograms.Keys);
        PublishedHistograms.AssertEachHasItsOwnBuckets(histograms);
        var uplink = histograms["iotai.mqtt.uplink.duration"].Boundaries!;
        Assert.True(uplink[0] <= 0.001 && uplink[^1] >= 10, $"uplink buckets run from {uplink[0]} to {uplink[^1]} s");
    }

    [Fact]
    public async Task The_health_edge_agents_report_in_their_twins_is_recorded_for_the_fleet_without_device_ids()
    {
        await using var first = await TestDevice.ConnectAsync(_silo.MqttPort, "health-a");
        await using var second = await TestDevice.ConnectAsync(_silo.MqttPort, "health-b");

        await first.PublishAsync(DeviceTopics.Reported(first.Id), """{"queueDepth":12,"offlineSeconds":2.5}"""u8.ToArray());
        await second.PublishAsync(DeviceTopics.Reported(second.Id), """{"queueDepth":30,"queueBytes":4096}"""u8.ToArray());

        await Eventually.TrueAsync(() => Task.FromResult(_metrics.Count("iotai.edge.queue.depth") == 2), "the reports were not recorded", seconds: 15);
        Assert.Equal(42, _metrics.Sum("iotai.edge.queue.depth"));
        Assert.Equal((1, 2.5), (_metrics.Count("iotai.edge.offline.duration"), _metrics.Sum("iotai.edge.offline.duration")));
    }

    [Fact]
    public async Task Devices_count_under_the_version_that_answers_them_and_answers_with_known_truth_are_graded()
    {
        await using var cloudServed = await TestDevice.ConnectAsync(_silo.MqttPort, "fleet-cloud");
        await using var edgeRun = await TestDevice.ConnectAsync(_silo.MqttPort, "fleet-edge");

        // The cloud answers two readings whose truth the device knew: 45 °C is normal (right), 88 °C it calls an anomaly (wrong here).
        foreach (var (seq, temperature) in new[] { (1L, 45), (2L, 88) })
        {
            await cloudServed.PublishAsync(DeviceTopics.Telemetry(cloudServed.Id), Encoding.UTF8.GetBytes(
                $$$"""{"seq":{{{seq}}},"values":{"temperature":{{{temperature}}},"vibration":0.3,"current":10},"label":"normal"}"""));
            await cloudServed.NextResultAsync();
        }

        // An edge agent runs version 7, then 8, of its own; its cumulative quality reports grade what each adds.
        await edgeRun.PublishAsync(DeviceTopics.Reported(edgeRun.Id), """{"models":"sensor-anomaly:7"}"""u8.ToArray());
        await Eventually.TrueAsync(() => Task.FromResult(Fleet("7", "edge") == 1), "the edge device was not counted under version 7", seconds: 15);
        await edgeRun.PublishAsync(DeviceTopics.Reported(edgeRun.Id), """{"models":"sensor-anomaly:8"}"""u8.ToArray());
        await Eventually.TrueAsync(() => Task.FromResult(Fleet("8", "edge") == 1), "the edge device did not move to version 8", seconds: 15);
        await edgeRun.PublishAsync(DeviceTopics.ModelQuality(edgeRun.Id), Quality(samples: 10, labeled: 10, correct: 9));
        await edgeRun.PublishAsync(DeviceTopics.ModelQuality(edgeRun.Id), Quality(samples: 20, labeled: 16, correct: 14));
        await Eventually.TrueAsync(() => Task.FromResult(Graded("8", "edge", correct: false) == 2), "the edge's wrong answers were not graded", seconds: 15);

        Assert.Equal(0, Fleet("7", "edge"));
        Assert.Equal(1, Fleet("1", "cloud"));
        Assert.Equal(2, _metrics.Sum("iotai.fleet.devices"));
        Assert.Equal(14, Graded("8", "edge", correct: true));
        Assert.Equal((1, 1), (Graded("1", "cloud", correct: true), Graded("1", "cloud", correct: false)));
    }

    private double Fleet(string version, string site) => _metrics.Sum("iotai.fleet.devices",
        ("iotai.model", "sensor-anomaly"), ("iotai.model.version", version), ("iotai.inference.site", site));

    private double Graded(string version, string site, bool correct) => _metrics.Sum("iotai.model.answers.graded",
        ("iotai.model", "sensor-anomaly"), ("iotai.model.version", version), ("iotai.inference.site", site), ("iotai.answer.correct", correct.ToString()));

    private static byte[] Quality(int samples, int labeled, int correct)
    {
        var confidence = new long[ModelQualityReport.Bins];
        confidence[^1] = samples;
        return JsonSerializer.SerializeToUtf8Bytes(new ModelQualityReport("sensor-anomaly", "8", samples, 0, labeled, correct, confidence), ProtocolJson.Wire.ModelQualityReport);
    }
}
