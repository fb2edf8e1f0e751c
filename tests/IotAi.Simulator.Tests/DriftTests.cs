using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Time.Testing;
using SkiaSharp;

namespace IotAi.Simulator.Tests;

/// <summary>
/// The simulated world drifts when the plan says, on the fleet's clock, and only its appearance changes: each
/// sample still carries its true label.
/// </summary>
public sealed class DriftTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Readings_and_frames_drift_from_the_planned_time_and_still_carry_their_truth()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var options = new FleetOptions
        {
            DevicePrefix = $"drift{Guid.NewGuid():N}"[..12],
            Devices = 1,
            MessagesPerDevice = 12,
            ImageEvery = 2,
            AnomalyRate = 0,
            SendTruth = true,
            Drift = new DriftPlan(TimeSpan.FromSeconds(6), Sensor: 30, Image: 1),
        };
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options, timeProvider: time);
        using var timeout = new CancellationTokenSource(TestTimeout);

        var run = fleet.RunAsync(timeout.Token);
        var driftedBefore = new List<bool>();
        for (var sent = 1; sent <= 12; sent++)
        {
            // One message per second of the fake clock: wait for it to be sent and answered, then move the clock on.
            await FleetRunTests.WaitUntilAsync(() => gateway.Uplinks.Count == sent && fleet.Statistics.Outstanding == 0, timeout.Token);
            driftedBefore.Add(fleet.Drifted);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await run;

        // Message n leaves n - 1 seconds after sending starts, so messages 7 to 12 are drifted.
        Assert.Equal([.. Enumerable.Repeat(false, 6), .. Enumerable.Repeat(true, 6)], driftedBefore);
        var uplinks = gateway.UplinksOf(fleet.DeviceIds[0]).OrderBy(static u => u.Seq).ToList();
        var telemetry = uplinks.Where(static u => u.Kind == PayloadKind.Telemetry).Select(static u => (u.Seq, Reading: JsonSerializer.Deserialize(u.Payload, ProtocolJson.Wire.Telemetry)!)).ToList();
        Assert.All(telemetry, static t => Assert.Equal(SensorSample.NormalLabel, t.Reading.Label));
        Assert.All(telemetry.Where(static t => t.Seq <= 6), static t => Assert.InRange(t.Reading.Values["temperature"], 30, 60));
        Assert.All(telemetry.Where(static t => t.Seq > 6), static t => Assert.InRange(t.Reading.Values["temperature"], 60, 90));

        var frames = uplinks.Where(static u => u.Kind == PayloadKind.Image).ToList();
        Assert.All(frames, static f => Assert.Contains(f.UserProperties[UserProperties.Label], ImageShapes.Labels));
        Assert.All(frames.Where(static f => f.Seq <= 6), static f => Assert.InRange(Corner(f.Payload), 0, 110));
        Assert.All(frames.Where(static f => f.Seq > 6), static f => Assert.InRange(Corner(f.Payload), 150, 255));
        Assert.Equal(1.0, fleet.Statistics.Snapshot().Accuracy);
    }

    [Fact]
    public void Image_drift_turns_the_lighting_around_but_leaves_the_shape_as_plain_to_see()
    {
        using var before = new SyntheticCamera(7).Render(ImageShape.Circle);
        using var after = new SyntheticCamera(7) { Drift = 1 }.Render(ImageShape.Circle);

        // The same draws, so the same circle in the same place: only the light differs.
        var (beltBefore, shapeBefore) = (Grey(before, 2, 2), Grey(before, 32, 32));
        var (beltAfter, shapeAfter) = (Grey(after, 2, 2), Grey(after, 32, 32));
        Assert.True(shapeBefore - beltBefore > 60, $"before: shape {shapeBefore}, belt {beltBefore}");
        Assert.True(beltAfter - beltBefore > 100, $"the belt went from {beltBefore} to {beltAfter}");
        Assert.True(shapeBefore - shapeAfter > 100, $"the shape went from {shapeBefore} to {shapeAfter}");
        Assert.True(Math.Abs(shapeAfter - beltAfter) > 30, $"after: shape {shapeAfter}, belt {beltAfter}");
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticCamera(7) { Drift = 1.5 });
    }

    /// <summary>The mean grey of the frame's top-left corner, where no shape reaches: the belt's lighting.</summary>
    private static double Corner(byte[] jpeg)
    {
        using var bitmap = SKBitmap.Decode(jpeg);
        return Enumerable.Range(0, 3).SelectMany(x => Enumerable.Range(0, 3).Select(y => Grey(bitmap, x, y))).Average();
    }

    private static double Grey(SKBitmap bitmap, int x, int y)
    {
        var c = bitmap.GetPixel(x, y);
        return (c.Red + c.Green + c.Blue) / 3.0;
    }
}
