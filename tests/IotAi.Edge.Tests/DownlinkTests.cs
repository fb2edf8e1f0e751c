using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Edge.Tests;

public sealed class DownlinkTests
{
    private const int Seed = 7;

    [Fact]
    public async Task A_result_reaches_ResultReceived_with_the_truth_of_the_sample_it_answers()
    {
        // The sensor is seeded, so the truth of the n-th reading is known in advance. Answer one anomaly and
        // one normal reading, so matching by anything but seq would mix them up.
        var signal = new SensorSignal(Seed);
        var truths = Enumerable.Range(1, 40).ToDictionary(i => (long)i, _ => signal.Next(DateTimeOffset.UnixEpoch).Label);
        var anomaly = truths.First(t => t.Value == SensorSample.AnomalyLabel).Key;
        var normal = truths.First(t => t.Value == SensorSample.NormalLabel).Key;

        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("result");
        await using var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.020",
            ["Seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var received = new Dictionary<long, TaskCompletionSource<EdgeResult>>
        {
            [anomaly] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            [normal] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        agent.Agent.ResultReceived += (_, r) =>
        {
            if (r.Result.Seq is long seq && received.TryGetValue(seq, out var signal))
            {
                signal.TrySetResult(r);
            }
        };
        await agent.StartAsync();
        await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= Math.Max(anomaly, normal));

        foreach (var seq in received.Keys)
        {
            var result = new InferenceResult(seq, "telemetry", "sensor-anomaly", "1", SensorSample.NormalLabel, 0.9f,
                new Dictionary<string, float> { ["normal"] = 0.9f, ["anomaly"] = 0.1f }, 1.5);
            await broker.InjectAsync(DeviceTopics.Result(deviceId), JsonSerializer.SerializeToUtf8Bytes(result, ProtocolJson.Wire.InferenceResult));
        }

        var forAnomaly = await received[anomaly].Task.WaitAsync(TimeSpan.FromSeconds(20));
        var forNormal = await received[normal].Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(SensorSample.AnomalyLabel, forAnomaly.Truth);
        Assert.False(forAnomaly.IsCorrect);
        Assert.Equal(SensorSample.NormalLabel, forNormal.Truth);
        Assert.True(forNormal.IsCorrect);
        Assert.True(forAnomaly.Latency > TimeSpan.Zero);
        Assert.Equal("sensor-anomaly", forNormal.Result.Model);
    }

    [Fact]
    public async Task Error_replies_and_desired_properties_raise_their_events()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("down");
        await using var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "01:00:00",
        });
        var error = new TaskCompletionSource<ErrorReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var desired = new TaskCompletionSource<DesiredProperties>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Agent.ErrorReceived += (_, e) => error.TrySetResult(e.Error);
        agent.Agent.DesiredPropertiesReceived += (_, e) => desired.TrySetResult(e.Desired);
        await agent.StartAsync();

        // The first uplink means the agent is connected and subscribed.
        await broker.WaitForAsync(p => p.ClientId == deviceId);
        await broker.InjectAsync(DeviceTopics.Result(deviceId), "{not json"u8.ToArray());
        await broker.InjectAsync(DeviceTopics.Error(deviceId), JsonSerializer.SerializeToUtf8Bytes(
            new ErrorReply(1, ErrorCodes.NoModel, "no model", DeviceTopics.Telemetry(deviceId)), ProtocolJson.Wire.ErrorReply));
        await broker.InjectAsync(DeviceTopics.Desired(deviceId), JsonSerializer.SerializeToUtf8Bytes(
            new DesiredProperties(3, new Dictionary<string, string> { ["rate"] = "fast" }), ProtocolJson.Wire.DesiredProperties));

        Assert.Equal(ErrorCodes.NoModel, (await error.Task.WaitAsync(TimeSpan.FromSeconds(20))).Code);
        Assert.Equal("fast", (await desired.Task.WaitAsync(TimeSpan.FromSeconds(20))).Desired["rate"]);
    }
}
