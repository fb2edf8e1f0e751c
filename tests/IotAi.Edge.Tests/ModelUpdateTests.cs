using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using IotAi.Edge.Models;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Edge.Tests;

/// <summary>The agent's side of a model update against a stand-in gateway that can lose things.</summary>
public sealed class ModelUpdateTests : IDisposable
{
    private const int ChunkSize = 8192;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-edge-ota-");
    private readonly ModelSigner _signer = ModelSigner.Generate();

    [Fact]
    public async Task A_chunk_lost_on_the_way_is_fetched_again_without_a_reconnect()
    {
        var (package, key) = await ShippedSensorModel.SignAsync(_signer, _data.FullName);
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("ota-lost");
        var requests = new List<int>();
        var dropped = false;
        broker.Responder = async publish =>
        {
            if (publish.Topic != DeviceTopics.ModelFetch(deviceId))
            {
                return;
            }

            var fetch = JsonSerializer.Deserialize(publish.Payload, ProtocolJson.Default.ModelFetch)!;
            foreach (var index in fetch.Indexes)
            {
                lock (requests)
                {
                    requests.Add(index);
                }

                // The first copy of chunk 1 never arrives, as a broker under pressure might drop it.
                if (index == 1 && !dropped)
                {
                    dropped = true;
                    continue;
                }

                await ServeAsync(broker, deviceId, package, [index]);
            }
        };
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["FetchWindow"] = "4",
        });
        await broker.WaitForAsync(p => p.ClientId == deviceId);

        var offer = await OfferAsync(broker, deviceId, package);
        RecordedPublish? active = null;
        try
        {
            active = await broker.WaitForAsync(
                p => p.Topic == DeviceTopics.ModelStatus(deviceId) && JsonSerializer.Deserialize(p.Payload, ProtocolJson.Default.ModelStatusReport)!.State == ModelUpdateStates.Active,
                TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var seen = string.Join("; ", broker.PublishedBy(deviceId).Where(p => p.Topic.Contains("/model/", StringComparison.Ordinal)).Select(p => $"{p.Topic} {System.Text.Encoding.UTF8.GetString(p.Payload)}"));
            Assert.Fail($"the update did not finish; the agent sent: {seen}");
        }

        Assert.NotNull(active);
        lock (requests)
        {
            Assert.Equal(2, requests.Count(i => i == 1));
            Assert.Equal(offer.Chunks + 1, requests.Count);
        }
    }

    [Fact]
    public async Task An_offer_of_the_version_it_runs_drops_a_download_of_another_still_going()
    {
        var (shipped, key) = await ShippedSensorModel.SignAsync(_signer, _data.FullName);
        var deviceId = AgentHost.NewDeviceId("ota-back");
        var v1 = ModelPackage.Create(shipped.Manifest with { Name = $"{deviceId}-model" }, shipped.Onnx, _signer);
        // The same graph in a file of its own (an empty graph merged into it), so version 2 has chunks of its own to fetch.
        var v2 = ModelPackage.Create(v1.Manifest with { Version = "2" }, new OnnxGraph().AppendTo(v1.Onnx), _signer);
        using var updates = new UpdateSpans(v1.Manifest.Name);
        await using var broker = await TestBroker.StartAsync();
        // Version 1 is served at once; version 2 is not, so its download is under way when the rollback comes.
        broker.Responder = async publish =>
        {
            if (Fetch(publish, deviceId) is { } fetch && fetch.Sha256 == v1.Manifest.Sha256)
            {
                await ServeAsync(broker, deviceId, v1, fetch.Indexes);
            }
        };
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["FetchWindow"] = "4",
        });
        await broker.WaitForAsync(p => p.ClientId == deviceId);
        await OfferAsync(broker, deviceId, v1);
        await WaitForActiveAsync(broker, deviceId, "1", times: 1);
        await OfferAsync(broker, deviceId, v2);
        var first = Fetch(await broker.WaitForAsync(p => Fetch(p, deviceId)?.Sha256 == v2.Manifest.Sha256), deviceId)!;

        // The rollback offers version 1, which the device runs, while version 2 is still on its way. Then the chunks it
        // asked for arrive after all, and one more offer of version 1 marks the point by which the agent has seen them.
        await OfferAsync(broker, deviceId, v1);
        await WaitForActiveAsync(broker, deviceId, "1", times: 2);
        var rolledBack = broker.PublishedBy(deviceId).Count;
        await ServeAsync(broker, deviceId, v2, first.Indexes);
        await OfferAsync(broker, deviceId, v1);
        await WaitForActiveAsync(broker, deviceId, "1", times: 3);

        var since = broker.PublishedBy(deviceId).Skip(rolledBack).ToList();
        Assert.DoesNotContain(since, p => Fetch(p, deviceId) is not null);
        Assert.DoesNotContain(broker.PublishedBy(deviceId), p => Status(p, deviceId) is { Version: "2", State: ModelUpdateStates.Verified or ModelUpdateStates.Active });
        Assert.Equal("1", agent.Services.GetRequiredService<EdgeModelRuntime>().Active(v1.Manifest.Name)?.Manifest.Version);

        // Each update's span tells its own steps: version 2's ends where it was dropped, and the offers that dropped it say so.
        await Eventually.TrueAsync(() => Task.FromResult(updates.Steps.Count == 4), "the agent did not end a span for each update", seconds: 30);
        Assert.Equal(["downloading verified active", "downloading", "active", "active"], updates.Steps);
    }

    private static async Task<ModelOffer> OfferAsync(TestBroker broker, string deviceId, ModelPackage package)
    {
        var offer = new ModelOffer(package.Manifest.Name, package.Manifest.Version, Convert.ToBase64String(package.ManifestBytes),
            package.Signature!.KeyId, package.Signature.Algorithm, package.Signature.Value, package.Manifest.Sha256!, package.Onnx.Length, ChunkSize,
            (package.Onnx.Length + ChunkSize - 1) / ChunkSize);
        await broker.InjectAsync(DeviceTopics.ModelOffer(deviceId), JsonSerializer.SerializeToUtf8Bytes(offer, ProtocolJson.Default.ModelOffer));
        return offer;
    }

    private static async Task ServeAsync(TestBroker broker, string deviceId, ModelPackage package, IEnumerable<int> indexes)
    {
        foreach (var index in indexes)
        {
            var offset = index * ChunkSize;
            await broker.InjectAsync(DeviceTopics.ModelChunk(deviceId, package.Manifest.Sha256!, index), package.Onnx[offset..Math.Min(offset + ChunkSize, package.Onnx.Length)]);
        }
    }

    private static Task WaitForActiveAsync(TestBroker broker, string deviceId, string version, int times) => Eventually.TrueAsync(
        () => Task.FromResult(broker.PublishedBy(deviceId).Count(p => Status(p, deviceId) is { State: ModelUpdateStates.Active } s && s.Version == version) >= times),
        $"the agent did not report version {version} running {times} time(s)", seconds: 30);

    private static ModelFetch? Fetch(RecordedPublish publish, string deviceId) =>
        publish.Topic == DeviceTopics.ModelFetch(deviceId) ? JsonSerializer.Deserialize(publish.Payload, ProtocolJson.Default.ModelFetch) : null;

    private static ModelStatusReport? Status(RecordedPublish publish, string deviceId) =>
        publish.Topic == DeviceTopics.ModelStatus(deviceId) ? JsonSerializer.Deserialize(publish.Payload, ProtocolJson.Default.ModelStatusReport) : null;

    /// <summary>The steps (events) of every ended <c>model update</c> span of one model, in the order the updates began.</summary>
    private sealed class UpdateSpans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _ended = new();
        private readonly ActivityListener _listener;
        private readonly string _name;

        public UpdateSpans(string model)
        {
            _name = $"model update {model}";
            _listener = new ActivityListener
            {
                ShouldListenTo = static source => source.Name == EdgeTelemetry.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> options) => options.Name == _name ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
                ActivityStopped = _ended.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<string> Steps =>
            [.. _ended.Where(a => a.DisplayName == _name).OrderBy(static a => a.StartTimeUtc).Select(static a => string.Join(' ', a.Events.Select(static e => e.Name)))];

        public void Dispose() => _listener.Dispose();
    }

    public void Dispose()
    {
        _signer.Dispose();
        _data.Delete(recursive: true);
    }
}
