using OpenTelemetry.Trace;

namespace IotAi.ServiceDefaults;

/// <summary>
/// Records every span that asks to be kept with <see cref="TraceSampling.PriorityTag"/> above 0 at its start (a training run,
/// a model offer: rare, and each worth its trace), and leaves the rest to <paramref name="inner"/>, which samples the
/// message traffic by ratio.
/// </summary>
public sealed class PrioritySampler(Sampler inner) : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.Tags is { } tags)
        {
            foreach (var (key, value) in tags)
            {
                if (key == TraceSampling.PriorityTag && value is int priority && priority > 0)
                {
                    return new SamplingResult(SamplingDecision.RecordAndSample);
                }
            }
        }

        return inner.ShouldSample(samplingParameters);
    }
}
