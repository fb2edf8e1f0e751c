using IotAi.Bench;

namespace IotAi.Bench.Tests;

public sealed class PrometheusTextTests
{
    private const string Exposition = """
        # TYPE dotnet_gc_collections_total counter
        dotnet_gc_collections_total{gc_heap_generation="gen0",otel_scope_name="System.Runtime"} 71 1764403200000
        dotnet_gc_collections_total{gc_heap_generation="gen1",otel_scope_name="System.Runtime"} 13
        dotnet_gc_collections_total{gc_heap_generation="gen2",otel_scope_name="System.Runtime"} 2
        dotnet_gc_heap_total_allocated_bytes_total 1.5E+09
        iotai_inference_batch_size_sum{iotai_model="shape-classifier",iotai_model_version="1"} 640
        iotai_inference_batch_size_sum{iotai_model="shape-classifier",iotai_model_version="2"} 60
        iotai_inference_batch_size_sum{iotai_model="sensor-anomaly",iotai_model_version="1"} 9000
        iotai_inference_batch_size_count{iotai_model="shape-classifier",iotai_model_version="1"} 100
        """;

    [Fact]
    public void A_labelled_sample_is_picked_by_its_label_and_its_timestamp_is_not_read_as_the_value() =>
        Assert.Equal(71, PrometheusText.Sum(Exposition, "dotnet_gc_collections_total", "gc_heap_generation=\"gen0\""));

    [Fact]
    public void Samples_that_share_the_labels_asked_for_add_up()
    {
        Assert.Equal(700, PrometheusText.Sum(Exposition, "iotai_inference_batch_size_sum", "iotai_model=\"shape-classifier\""));
        Assert.Equal(86, PrometheusText.Sum(Exposition, "dotnet_gc_collections_total"));
    }

    [Fact]
    public void An_unlabelled_sample_in_exponent_form_is_read() =>
        Assert.Equal(1.5e9, PrometheusText.Sum(Exposition, "dotnet_gc_heap_total_allocated_bytes_total"));

    [Fact]
    public void A_metric_whose_name_only_starts_with_the_one_asked_for_is_not_counted()
    {
        Assert.Equal(100, PrometheusText.Sum(Exposition, "iotai_inference_batch_size_count"));
        Assert.Equal(0, PrometheusText.Sum(Exposition, "iotai_inference_batch_size"));
        Assert.Equal(0, PrometheusText.Sum(Exposition, "iotai_missing"));
    }
}
