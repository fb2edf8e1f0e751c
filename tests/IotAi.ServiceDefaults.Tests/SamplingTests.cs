using System.Diagnostics;
using IotAi.ServiceDefaults;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.ServiceDefaults.Tests;

/// <summary>The silo's sampler keeps every span that asks to be kept and leaves the rest to the ratio.</summary>
public sealed class SamplingTests : IDisposable
{
    private readonly ActivitySource _source = new($"sampling-test-{Guid.NewGuid():N}");
    private readonly TracerProvider _tracing;

    public SamplingTests() =>
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(_source.Name).SetSampler(new PrioritySampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(0)))).Build()!;

    public void Dispose()
    {
        _tracing.Dispose();
        _source.Dispose();
    }

    [Fact]
    public void A_span_that_asks_to_be_kept_is_recorded_and_its_children_with_it_while_others_are_not()
    {
        using (var plain = _source.StartActivity("message"))
        {
            Assert.False(plain?.Recorded ?? false);
        }

        using var kept = _source.StartActivity(ActivityKind.Internal, parentContext: default, TraceSampling.Keep(new KeyValuePair<string, object?>("iotai.model", "m")), name: "training run m");
        using var child = _source.StartActivity("step");

        Assert.True(kept!.Recorded);
        Assert.True(child!.Recorded);
        Assert.Equal(kept.TraceId, child.TraceId);
    }
}
