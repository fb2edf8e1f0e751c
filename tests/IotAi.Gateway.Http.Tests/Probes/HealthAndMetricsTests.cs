using System.Net;
using IotAi.Grains.Hosting;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests.Probes;

/// <summary>The probes Kubernetes asks and the scrape Prometheus makes, against a whole silo.</summary>
public sealed class HealthAndMetricsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-health-");
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?> { ["Models:InstallShipped"] = "false" });

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task Readiness_is_false_until_the_models_are_loaded_while_the_process_is_live_all_along()
    {
        using var anonymous = new HttpClient { BaseAddress = _silo.Http.BaseAddress };

        var notReady = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("no model is registered", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/health/startup")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);

        ShippedModels.Install(_silo.Services.GetRequiredService<ModelRegistry>(), _silo.Services.GetRequiredService<ModelKeyring>().Signer);

        await Eventually.TrueAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the silo did not become ready once its models were registered", seconds: 30);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/startup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Metrics_parse_as_prometheus_exposition_and_carry_the_gateways_counts_without_device_ids()
    {
        ShippedModels.Install(_silo.Services.GetRequiredService<ModelRegistry>(), _silo.Services.GetRequiredService<ModelKeyring>().Signer);
        await Eventually.TrueAsync(async () => (await _silo.Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the silo did not become ready", seconds: 30);
        await using var device = await TestDevice.ConnectAsync(_silo.MqttPort, $"metrics-{Guid.NewGuid():N}");
        await device.SendTelemetryAsync(seq: 1, temperature: 88);
        await device.NextResultAsync();
        using var anonymous = new HttpClient { BaseAddress = _silo.Http.BaseAddress };

        List<(string Name, string Labels, double Value)> samples = [];
        string text = "";
        await Eventually.TrueAsync(async () =>
        {
            text = await anonymous.GetStringAsync("/metrics");
            samples = PrometheusText.Parse(text);
            return samples.Any(static s => s.Name.StartsWith("iotai_mqtt_messages_in", StringComparison.Ordinal) && s.Value >= 1);
        }, "the scrape did not count the uplink", seconds: 30);

        Assert.Contains(samples, static s => s.Name.StartsWith("iotai_mqtt_uplink_duration", StringComparison.Ordinal) && s.Name.EndsWith("_bucket", StringComparison.Ordinal));
        // .NET's own figures, which benchmarks read before and after a run: bytes allocated per message, and whether Gen2 ran.
        Assert.Contains(samples, static s => s.Name == "dotnet_gc_heap_total_allocated_bytes_total" && s.Value > 0);
        Assert.Contains(samples, static s => s.Name == "dotnet_gc_collections_total" && s.Labels.Contains("gen2", StringComparison.Ordinal));
        Assert.Contains(samples, static s => s.Name == "dotnet_process_cpu_time_seconds_total");
        Assert.DoesNotContain(device.Id, text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exposition_reader_refuses_what_prometheus_would()
    {
        const string Good = "# HELP up Is it up\n# TYPE up gauge\nup{job=\"x\"} 1\n# TYPE d histogram\nd_bucket{le=\"+Inf\"} 2\nd_sum 3.5\nd_count 2\n";

        Assert.Equal(4, PrometheusText.Parse(Good).Count);
        Assert.Throws<FormatException>(() => PrometheusText.Parse("untyped_sample 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE up gauge\nup{job=x} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE up gauge\nup one\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE d histogram\nd_bucket{le=\"1\"} 2\n"));
    }
}
