using System.Diagnostics;
using IotAi.Silo;
using IotAi.Edge;
using IotAi.ServiceDefaults;
using IotAi.Tests.Shared;
using IotAi.Grains;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.EndToEnd.Tests;

/// <summary>A real edge agent takes a model update from a running silo: verified before use, resumable, and refused when not trusted.</summary>
[Collection(SiloGroup.Name)]
public sealed class EdgeModelUpdateTests(SiloFixture silo) : IDisposable
{
    private readonly DirectoryInfo _edge = Directory.CreateTempSubdirectory("iotai-edge-");

    private string TrustSilo()
    {
        var path = Path.Combine(_edge.FullName, $"silo-{Guid.NewGuid():N}.pub.pem");
        File.WriteAllText(path, silo.Host.Services.GetRequiredService<ModelKeyring>().Signer.ExportPublicKeyPem());
        return path;
    }

    [Fact]
    public async Task An_offered_model_is_fetched_verified_and_running_and_the_twin_knows()
    {
        var spans = new LockedCollection<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource([EdgeTelemetry.SourceName, .. SiloObservability.Sources]).AddInMemoryExporter(spans).Build();
        var deviceId = $"edge-ota-{Guid.NewGuid():N}";
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(deviceId, silo.Host.MqttPort, _edge.FullName, TrustSilo()));
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the agent did not connect", seconds: 30);

        await grain.OfferModelAsync("shape-classifier", "1");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("shape-classifier")?.State == ModelUpdateStates.Active, "the model update did not finish in time", seconds: 30);

        var running = agent.Models.Active("shape-classifier")!;
        Assert.Equal("1", running.Manifest.Version);
        Assert.Same(running, agent.Models.ForKind(PayloadKind.Image));
        Assert.Equal("1", agent.Store.Current("shape-classifier"));
        Assert.Empty((await grain.GetTwinAsync()).OfferedModels);

        // One trace: the silo's offer, the device's update under it (its steps as events), and the silo serving the
        // chunks the update fetched under that.
        Activity? offer = null, update = null;
        await Eventually.TrueAsync(() =>
        {
            var recorded = Spans(spans);
            offer = recorded.FirstOrDefault(s => s.DisplayName == "offer shape-classifier 1" && Equals(s.GetTagItem("iotai.device.id"), deviceId));
            update = recorded.FirstOrDefault(s => s.DisplayName == "model update shape-classifier" && s.ParentSpanId == offer?.SpanId);
            return Task.FromResult(update is not null);
        }, "the device's update did not continue the offer's trace", seconds: 15);
        Assert.Equal(offer!.TraceId, update!.TraceId);
        Assert.Equal([ModelUpdateStates.Downloading, ModelUpdateStates.Verified, ModelUpdateStates.Active], update.Events.Select(static e => e.Name));
        Assert.Contains(Spans(spans), s => s.DisplayName == "serve model chunks" && s.ParentSpanId == update.SpanId && Equals(s.GetTagItem("iotai.device.id"), deviceId));
    }

    private static List<Activity> Spans(LockedCollection<Activity> spans) => spans.Snapshot();

    [Fact]
    public async Task An_agent_restarted_halfway_fetches_only_the_chunks_it_lacks()
    {
        var deviceId = $"edge-resume-{Guid.NewGuid():N}";
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        var registry = silo.Host.Services.GetRequiredService<ModelRegistry>();
        var blob = File.ReadAllBytes(registry.Find("sensor-anomaly", "1")!.BlobPath);
        const int chunkSize = 16384;
        var chunks = (blob.Length + chunkSize - 1) / chunkSize;
        var host = EdgeAgentHost.Build(deviceId, silo.Host.MqttPort, _edge.FullName, TrustSilo());

        // What an earlier run of the agent had fetched before it was stopped: the first half.
        var store = host.Services.GetRequiredService<IotAi.Edge.Models.EdgeModelStore>();
        var sha256 = registry.Find("sensor-anomaly", "1")!.Manifest.Sha256!;
        for (var i = 0; i < chunks / 2; i++)
        {
            store.WriteChunk(sha256, i, blob.AsSpan(i * chunkSize, Math.Min(chunkSize, blob.Length - (i * chunkSize))));
        }

        // Counted where the silo serves them, for this device alone: its spans of serving chunks say how many went to whom.
        var spans = new LockedCollection<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource([EdgeTelemetry.SourceName, .. SiloObservability.Sources]).AddInMemoryExporter(spans).Build();
        await using var agent = await EdgeAgentHost.StartAsync(host);
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the agent did not connect", seconds: 30);
        await grain.OfferModelAsync("sensor-anomaly", "1");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("sensor-anomaly")?.State == ModelUpdateStates.Active, "the model update did not finish in time", seconds: 30);

        var sent = spans.Snapshot()
            .Where(s => s.DisplayName == "serve model chunks" && Equals(s.GetTagItem("iotai.device.id"), deviceId) && Equals(s.GetTagItem("iotai.ota.blob"), sha256))
            .Sum(static s => (int)s.GetTagItem("iotai.ota.chunks")!);
        Assert.Equal(chunks - (chunks / 2), sent);
        Assert.Equal("1", agent.Models.Active("sensor-anomaly")!.Manifest.Version);
    }

    [Fact]
    public async Task A_small_device_takes_a_model_in_chunks_cut_to_its_maximum_packet_size()
    {
        var deviceId = $"edge-small-{Guid.NewGuid():N}"[..24];
        var spans = new LockedCollection<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource([EdgeTelemetry.SourceName, .. SiloObservability.Sources]).AddInMemoryExporter(spans).Build();
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(deviceId, silo.Host.MqttPort, _edge.FullName, AgentFleet.SmallDevice, TrustSilo()));
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the agent did not connect", seconds: 30);

        await grain.OfferModelAsync("sensor-anomaly", "1");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("sensor-anomaly")?.State == ModelUpdateStates.Active, "the small device's update did not finish in time", seconds: 60);

        // 4,096 bytes less a chunk packet's 73 bytes of headers and properties and its 125-byte topic, rounded down to
        // 256: chunks of 3,840 bytes, each of which fits the device's packets (the silo's own chunk size is 16 KiB).
        var size = new FileInfo(silo.Host.Services.GetRequiredService<ModelRegistry>().Find("sensor-anomaly", "1")!.BlobPath).Length;
        var served = spans.Snapshot().Where(s => s.DisplayName == "serve model chunks" && Equals(s.GetTagItem("iotai.device.id"), deviceId)).ToList();
        Assert.Equal((size + 3839) / 3840, served.Sum(static s => (int)s.GetTagItem("iotai.ota.chunks")!));
        Assert.Equal(size, served.Sum(static s => (long)s.GetTagItem("iotai.ota.bytes")!));
        Assert.Equal("1", agent.Models.Active("sensor-anomaly")!.Manifest.Version);
    }

    [Fact]
    public async Task A_model_signed_by_a_key_the_device_does_not_trust_never_runs()
    {
        var deviceId = $"edge-untrusted-{Guid.NewGuid():N}";
        using var stranger = ModelSigner.Generate();
        var strangerKey = Path.Combine(_edge.FullName, "stranger.pub.pem");
        File.WriteAllText(strangerKey, stranger.ExportPublicKeyPem());
        await using var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(deviceId, silo.Host.MqttPort, _edge.FullName, strangerKey));
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the agent did not connect", seconds: 30);

        await grain.OfferModelAsync("sensor-anomaly", "1");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault("sensor-anomaly")?.State == ModelUpdateStates.Failed, "the model update did not finish in time", seconds: 30);

        var update = (await grain.GetTwinAsync()).ModelUpdates["sensor-anomaly"];
        Assert.Contains("not trusted", update.Reason, StringComparison.Ordinal);
        Assert.Null(agent.Models.Active("sensor-anomaly"));
        Assert.Null(agent.Store.Current("sensor-anomaly"));
    }

    public void Dispose() => _edge.Delete(recursive: true);
}
