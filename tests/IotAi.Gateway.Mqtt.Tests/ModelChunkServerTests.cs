using System.Text.Json;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Mqtt;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>Chunks come straight from the registry's blobs, and a chunk read for one device serves the next from memory.</summary>
public sealed class ModelChunkServerTests : IDisposable
{
    private const int ChunkSize = 4096;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-chunks-");
    private readonly ModelRegistry _registry;
    private readonly RegisteredModel _model;

    public ModelChunkServerTests()
    {
        var signer = ModelSigner.Generate();
        var trusted = new TrustedKeys();
        trusted.Add(signer.ExportPublicKeyPem());
        _registry = new ModelRegistry(_data.FullName, trusted);
        ShippedModels.Install(_registry, signer);
        _model = _registry.Find("sensor-anomaly", "1")!;
    }

    private static byte[] Fetch(params int[] indexes) => JsonSerializer.SerializeToUtf8Bytes(
        new ModelFetch(new string('0', 64), ChunkSize, indexes), ProtocolJson.Wire.ModelFetch);

    private async Task<Dictionary<string, byte[]>> ServeAsync(ModelChunkServer server, string deviceId, params int[] indexes)
    {
        var sent = new Dictionary<string, byte[]>();
        var fetch = JsonSerializer.SerializeToUtf8Bytes(new ModelFetch(_model.Manifest.Sha256!, ChunkSize, indexes), ProtocolJson.Wire.ModelFetch);
        Assert.Null(await server.ServeAsync(deviceId, fetch, (topic, chunk) =>
        {
            sent[topic] = chunk;
            return Task.CompletedTask;
        }));
        return sent;
    }

    [Fact]
    public async Task Chunks_are_the_blobs_bytes_and_one_read_serves_every_device()
    {
        using var server = new ModelChunkServer(_registry, Options.Create(new OtaOptions()));
        var onnx = _registry.Open("sensor-anomaly", "1").Onnx;
        var last = (onnx.Length - 1) / ChunkSize;

        var first = await ServeAsync(server, "a", 0, last);
        var second = await ServeAsync(server, "b", 0);

        var chunk0 = first[DeviceTopics.ModelChunk("a", _model.Manifest.Sha256!, 0)];
        Assert.Equal(onnx[..ChunkSize], chunk0);
        Assert.Equal(onnx[(last * ChunkSize)..], first[DeviceTopics.ModelChunk("a", _model.Manifest.Sha256!, last)]);
        Assert.Same(chunk0, second[DeviceTopics.ModelChunk("b", _model.Manifest.Sha256!, 0)]);
    }

    [Fact]
    public void Each_blob_is_counted_under_the_model_it_belongs_to()
    {
        using var server = new ModelChunkServer(_registry, Options.Create(new OtaOptions()));
        var image = _registry.Find("shape-classifier", "1")!.Manifest.Sha256!;

        Assert.Equal("sensor-anomaly", server.ModelOf(_model.Manifest.Sha256!));
        Assert.Equal("shape-classifier", server.ModelOf(image));
        Assert.Null(server.ModelOf(new string('0', 64)));
    }

    [Fact]
    public async Task Without_a_cache_every_device_gets_its_own_read()
    {
        using var server = new ModelChunkServer(_registry, Options.Create(new OtaOptions { ChunkCacheMegabytes = 0 }));

        var first = await ServeAsync(server, "a", 1);
        var second = await ServeAsync(server, "b", 1);

        Assert.NotSame(first.Values.Single(), second.Values.Single());
        Assert.Equal(first.Values.Single(), second.Values.Single());
    }

    [Fact]
    public async Task Requests_for_what_does_not_exist_are_refused_with_the_reason()
    {
        using var server = new ModelChunkServer(_registry, Options.Create(new OtaOptions()));

        var unknown = await server.ServeAsync("a", Fetch(0), static (_, _) => Task.CompletedTask);
        var beyond = await server.ServeAsync("a", JsonSerializer.SerializeToUtf8Bytes(new ModelFetch(_model.Manifest.Sha256!, ChunkSize, [10_000]), ProtocolJson.Wire.ModelFetch), static (_, _) => Task.CompletedTask);

        Assert.Contains("no model blob", unknown, StringComparison.Ordinal);
        Assert.Contains("chunk indexes run from 0", beyond, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
