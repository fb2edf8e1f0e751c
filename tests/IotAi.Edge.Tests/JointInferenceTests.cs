using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using IotAi.Edge.Models;
using IotAi.Edge.Queue;

namespace IotAi.Edge.Tests;

/// <summary>Joint inference on a known set of readings: exactly those the local model is unsure of go to the cloud's model.</summary>
public sealed class JointInferenceTests : IDisposable
{
    private const int Readings = 400;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-joint-");
    private readonly ModelSigner _signer = ModelSigner.Generate();

    [Fact]
    public async Task Escalations_match_the_threshold_and_every_answer_used_is_recorded()
    {
        var run = await RunAsync(capture: "All");

        Assert.Equal(Readings, run.Uplinks.Count);
        Assert.Equal(run.Expected, run.Uplinks.Count(static t => t.Escalate != false));
        Assert.All(run.Uplinks, static t => Assert.Equal("sensor-anomaly", t.Edge?.Model));
        Assert.Equal((run.Expected, Readings - run.Expected, 0L), (run.Joint.Escalated, run.Joint.AnsweredLocally, run.Joint.KeptLocal));
        Assert.Equal(Readings, run.Sink.Local.Count);
        Assert.Equal(run.Expected, run.Sink.Local.Count(static r => r.Escalated));
        Assert.All(run.Sink.Local, r => Assert.Equal(r.Answer.Confidence < run.Threshold, r.Escalated));
    }

    [Fact]
    public async Task Capturing_only_hard_examples_sends_exactly_those_and_keeps_the_rest_on_the_device()
    {
        var run = await RunAsync(capture: "Hard");

        Assert.Equal(run.Expected, run.Uplinks.Count);
        Assert.All(run.Uplinks, t => Assert.True(t.Escalate != false && t.Edge!.Confidence < run.Threshold));
        Assert.Equal(Readings - run.Expected, run.Joint.KeptLocal);
        Assert.Equal(Readings, run.Sink.Local.Count);
    }

    /// <summary>
    /// Sends the known readings through an agent whose threshold sits between two of the model's own
    /// confidences near the middle, so a good share goes each way and no reading sits exactly on it.
    /// </summary>
    private async Task<Run> RunAsync(string capture)
    {
        var (package, key) = await ShippedSensorModel.SignAsync(_signer, _data.FullName);
        var lines = KnownReadings();
        var file = Path.Combine(_data.FullName, "readings.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        var confidences = await ConfidencesAsync(package, lines);
        var sorted = confidences.Order().ToArray();
        var threshold = ((double)sorted[Readings / 2 - 1] + sorted[Readings / 2]) / 2;
        var expected = confidences.Count(c => c < threshold);
        Assert.InRange(expected, Readings / 10, Readings - Readings / 10);

        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("joint");
        var sink = new RecordingSink();
        await using var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["Sources:0"] = "jsonl",
            ["JsonLinesPath"] = file,
            ["ConfidenceThreshold"] = threshold.ToString("R", CultureInfo.InvariantCulture),
            ["Capture"] = capture,
        }, sink: sink);
        var store = agent.Services.GetRequiredService<EdgeModelStore>();
        store.Save(package);
        store.SetCurrent(package.Manifest.Name, package.Manifest.Version);
        await agent.StartAsync();

        // Every reading answered locally, and everything queued sent: then the counts are final.
        var queue = agent.Services.GetRequiredService<IOutbox>();
        await Eventually.TrueAsync(() => Task.FromResult(sink.Local.Count == Readings && queue.Statistics.Depth == 0), "the readings were not all answered and sent", seconds: 60);
        return new Run([.. AgentHost.Readings(broker, deviceId).DistinctBy(static t => t.Seq)], agent.Services.GetRequiredService<JointInference>(), sink, expected, threshold);
    }

    private sealed record Run(List<Telemetry> Uplinks, JointInference Joint, RecordingSink Sink, int Expected, double Threshold);

    private static List<string> KnownReadings()
    {
        var signal = new SensorSignal(seed: 11, anomalyRate: 0.3);
        return [.. Enumerable.Range(0, Readings).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddMinutes(i))).Select(s =>
            JsonSerializer.Serialize(new Telemetry(null, s.Timestamp, new Dictionary<string, double>
            {
                ["temperature"] = s.Temperature,
                ["vibration"] = s.Vibration,
                ["current"] = s.Current,
            }), ProtocolJson.Wire.Telemetry))];
    }

    /// <summary>What the model itself says of each reading, outside the agent.</summary>
    private static async Task<List<float>> ConfidencesAsync(ModelPackage package, List<string> lines)
    {
        await using var model = new LoadedModel(new OnnxModel(package.Manifest, package.Onnx), new BatchingOptions());
        var confidences = new List<float>();
        foreach (var line in lines)
        {
            var features = new float[package.Manifest.InputLength];
            Assert.Null(model.ReadInput(System.Text.Encoding.UTF8.GetBytes(line), features).Error);
            confidences.Add((await model.InferAsync(features)).Confidence);
        }

        return confidences;
    }


    public void Dispose() => _data.Delete(recursive: true);

    private sealed class RecordingSink : IResultSink
    {
        public ConcurrentQueue<LocalResult> Local { get; } = new();

        public ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteLocalAsync(LocalResult result, CancellationToken cancellationToken)
        {
            Local.Enqueue(result);
            return ValueTask.CompletedTask;
        }
    }
}
