using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;

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

                var offset = index * ChunkSize;
                await broker.InjectAsync(DeviceTopics.ModelChunk(deviceId, package.Manifest.Sha256!, index), package.Onnx[offset..Math.Min(offset + ChunkSize, package.Onnx.Length)]);
            }
        };
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["TrustedKeyFiles:0"] = key,
            ["DataDirectory"] = _data.FullName,
            ["FetchWindow"] = "4",
        });
        await broker.WaitForAsync(p => p.ClientId == deviceId);

        var offer = new ModelOffer(package.Manifest.Name, package.Manifest.Version, Convert.ToBase64String(package.ManifestBytes),
            package.Signature!.KeyId, package.Signature.Algorithm, package.Signature.Value, package.Manifest.Sha256!, package.Onnx.Length, ChunkSize,
            (package.Onnx.Length + ChunkSize - 1) / ChunkSize);
        await broker.InjectAsync(DeviceTopics.ModelOffer(deviceId), JsonSerializer.SerializeToUtf8Bytes(offer, ProtocolJson.Default.ModelOffer));
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

    public void Dispose()
    {
        _signer.Dispose();
        _data.Delete(recursive: true);
    }
}
