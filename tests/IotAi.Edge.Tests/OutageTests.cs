using IotAi.Edge.Queue;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using IotAi.Edge.Models;

namespace IotAi.Edge.Tests;

/// <summary>The broker goes away and comes back: the agent keeps reading and answering, queues, then delivers everything in order.</summary>
public sealed class OutageTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-outage-");
    private readonly ModelSigner _signer = ModelSigner.Generate();

    [Fact]
    public async Task Through_a_broker_outage_the_agent_answers_locally_and_then_delivers_everything_in_order()
    {
        var (package, key) = await ShippedSensorModel.SignAsync(_signer, _data.FullName);
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("outage");
        var sink = new CountingSink();
        await using var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.005",
        }, sink: sink);
        var store = agent.Services.GetRequiredService<EdgeModelStore>();
        store.Save(package);
        store.SetCurrent(package.Manifest.Name, package.Manifest.Version);
        var queue = agent.Services.GetRequiredService<IOutbox>();
        await agent.StartAsync();
        await Eventually.TrueAsync(() => Task.FromResult(AgentHost.Readings(broker, deviceId).Count >= 100), "the agent did not start sending", seconds: 30);

        await broker.StopAsync();
        var answeredBefore = sink.Answers;
        await Eventually.TrueAsync(() => Task.FromResult(queue.Statistics.Depth >= 300 && sink.Answers >= answeredBefore + 300),
            "the agent stopped reading or answering while the broker was away", seconds: 60);
        var sentBeforeOutage = AgentHost.Readings(broker, deviceId).Count;
        await broker.RestartAsync();
        await Eventually.TrueAsync(() => Task.FromResult(queue.Statistics.Depth < 5), "the queue did not drain after the broker came back", seconds: 60);

        var firstArrivals = AgentHost.Readings(broker, deviceId).Select(static t => t.Seq!.Value).Distinct().ToList();
        // In order: each number first arrived after every smaller one; none lost: no number is missing.
        Assert.Equal(firstArrivals.Order(), firstArrivals);
        Assert.Equal(firstArrivals[^1] - firstArrivals[0] + 1, firstArrivals.Count);
        Assert.True(firstArrivals.Count >= sentBeforeOutage + 300, $"{firstArrivals.Count} readings arrived; the outage alone queued 300");
    }


    public void Dispose() => _data.Delete(recursive: true);

    private sealed class CountingSink : IResultSink
    {
        private long _answers;

        public long Answers => Interlocked.Read(ref _answers);

        public ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteLocalAsync(LocalResult result, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _answers);
            return ValueTask.CompletedTask;
        }
    }
}
