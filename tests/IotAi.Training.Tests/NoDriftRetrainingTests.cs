using System.Globalization;
using IotAi.Learning;
using IotAi.Models;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>
/// A fleet whose world never drifts, answered well by the shipped image model, with every frame's truth known: the
/// capture policy keeps mostly the frames the model was unsure of, so the kept samples are hard examples, not the
/// traffic. A run on them must never hand the fleet a model that answers its traffic worse than the one it has.
/// </summary>
[Collection(ImageTrainingGroup.Name)]
public sealed class NoDriftRetrainingTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = "shape-classifier";

    /// <summary>How much worse on the fleet's traffic a registered version may be: the noise of scoring it on <see cref="Scored"/> frames.</summary>
    private const double Margin = 0.01;

    private const int Scored = 4_000;

    private readonly TrainingData _data = new(Model);
    private readonly CameraTraffic _traffic = new();

    [Fact]
    public void A_run_on_hard_examples_of_a_world_that_never_drifted_does_not_register_a_version_worse_on_the_traffic()
    {
        var (registry, samples) = (_data.Registry, _data.Samples);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var capture = new SampleCapture(Options.Create(new CaptureSettings()), samples, new ConfidenceDrift(), new LiveAccuracy(), new LearningMetrics(services.GetRequiredService<IMeterFactory>()), _data.Clock);

        // The silo's default capture policy over a fleet of 2,000 cameras until about 600 samples are kept, as in the run reported.
        var v1 = registry.Open(Model, "1");
        var live = _traffic.Send(capture, v1, frames: 30_000, devices: 2_000, seed: 77);
        var kept = samples.List(Model);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"v1 answered {live:P1} of the traffic right; {kept.Count} kept: {kept.Count(s => s.Reasons.HasFlag(CaptureReasons.HardExample))} hard, {kept.Count(s => s.Reasons == CaptureReasons.Random)} at random only"));

        var outcome = _data.Runner().Run(new TrainingRequest(Model));
        output.WriteLine(outcome.Verdict);

        var before = _traffic.Accuracy(v1, Scored, seed: 78);
        var after = outcome.RegisteredVersion is { } version ? _traffic.Accuracy(registry.Open(Model, version), Scored, seed: 78) : before;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"on fresh traffic: v1 {before:P1}, after the run {after:P1}"));
        Assert.True(after >= before - Margin,
            string.Create(CultureInfo.InvariantCulture, $"the run registered v{outcome.RegisteredVersion}, which answers {after:P1} of the traffic right against v1's {before:P1}: {outcome.Verdict}"));
    }

    public void Dispose()
    {
        _traffic.Dispose();
        _data.Dispose();
    }
}
