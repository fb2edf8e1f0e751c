using System.Diagnostics;
using IotAi.Edge;
using IotAi.Grains;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.ServiceDefaults;
using IotAi.Silo;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// A real edge agent on a model made of a backbone and a head: the first version brings both, a retrained head brings
/// only itself. The bytes are counted where the silo sends them, per device and per file.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class HeadOnlyUpdateTests(SiloFixture silo) : IDisposable
{
    private readonly DirectoryInfo _edge = Directory.CreateTempSubdirectory("iotai-edge-parts-");

    [Fact]
    public async Task A_retrained_head_on_a_backbone_the_device_holds_is_all_that_crosses_the_wire()
    {
        var spans = new LockedCollection<Activity>();
        using var tracing = Trace(spans);
        var counted = new LockedCollection<(string Model, long Bytes)>();
        using var meter = CountSent(counted);
        var name = $"parts-{Guid.NewGuid():N}"[..14];
        var heads = new[] { Head(1).ToBytes(), Head(2).ToBytes() };
        var backbone = Register(name, heads);
        await using var agent = await AgentAsync();
        var (deviceId, grain) = (agent.DeviceId, agent.Grain);

        await grain.OfferModelAsync(name, "1");
        await ActiveAsync(grain, name, "1");
        var first = SentBy(spans, deviceId);
        var countedFirst = counted.Snapshot();
        await grain.OfferModelAsync(name, "2");
        await ActiveAsync(grain, name, "2");
        var second = SentBy(spans, deviceId).ToDictionary(static f => f.Key, f => f.Value - first.GetValueOrDefault(f.Key));
        var countedSecond = counted.Snapshot()[countedFirst.Count..];

        // The silo's own meter (iotai.ota.sent) says the same, the head's bytes under its model. The tests of this silo run
        // one at a time, so what it counts meanwhile is this agent's; the backbone, shared by other tests' models, may count
        // under another of their names.
        Assert.Equal(backbone.Onnx.Length + heads[0].Length, countedFirst.Sum(static c => c.Bytes));
        Assert.Equal([(name, (long)heads[1].Length)], countedSecond);

        var headSha = new[] { Sha(heads[0]), Sha(heads[1]) };
        Assert.Equal(new Dictionary<string, long> { [backbone.Sha256] = backbone.Onnx.Length, [headSha[0]] = heads[0].Length }, first);
        Assert.Equal(new Dictionary<string, long> { [backbone.Sha256] = 0, [headSha[0]] = 0, [headSha[1]] = heads[1].Length }, second);
        Assert.InRange(second.Values.Sum() / (double)(backbone.Onnx.Length + heads[1].Length), 0, 0.01);
        Assert.Equal("2", agent.Host.Models.Active(name)!.Manifest.Version);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(agent.Host.Store.Root, "parts")));
        Assert.Equal(backbone.Onnx, agent.Host.Store.Load(name, "1")!.Backbone);
    }

    [Fact]
    public async Task A_kept_backbone_altered_on_disk_never_runs_and_is_fetched_again_while_the_running_version_keeps_answering()
    {
        var spans = new LockedCollection<Activity>();
        using var tracing = Trace(spans);
        var name = $"tamper-{Guid.NewGuid():N}"[..15];
        var backbone = Register(name, Head(1).ToBytes(), Head(3).ToBytes());
        await using var agent = await AgentAsync();
        var (deviceId, grain) = (agent.DeviceId, agent.Grain);
        await grain.OfferModelAsync(name, "1");
        await ActiveAsync(grain, name, "1");
        var kept = Path.Combine(agent.Host.Store.Root, "parts", backbone.Sha256 + ".onnx");
        var altered = await File.ReadAllBytesAsync(kept);
        altered[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(kept, altered);
        var before = SentBy(spans, deviceId);

        await grain.OfferModelAsync(name, "2");
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault(name) is { State: ModelUpdateStates.Failed, Version: "2" },
            "the update on an altered backbone did not fail", seconds: 60);
        var failed = (await grain.GetTwinAsync()).ModelUpdates[name];
        var stillRunning = agent.Host.Models.Active(name)!.Manifest.Version;
        await grain.OfferModelAsync(name, "2");
        await ActiveAsync(grain, name, "2");
        var sent = SentBy(spans, deviceId);

        Assert.Contains("the backbone was altered", failed.Reason, StringComparison.Ordinal);
        Assert.Equal("1", stillRunning);
        Assert.Equal(backbone.Onnx.Length, sent[backbone.Sha256] - before[backbone.Sha256]);
        Assert.Equal(backbone.Onnx, await File.ReadAllBytesAsync(kept));
    }

    [Fact]
    public async Task A_tensor_model_offered_to_an_edge_agent_is_refused_before_a_byte_of_it_is_fetched()
    {
        var spans = new LockedCollection<Activity>();
        using var tracing = Trace(spans);
        var name = $"tensor-{Guid.NewGuid():N}"[..15];
        ModelImporter.Import(OnnxGraph.EveryDatatype().ToBytes(), new OnnxImport { Name = name, Version = "1", Kind = PayloadKind.Tensor }, Signer, Registry);
        await using var agent = await AgentAsync();

        await agent.Grain.OfferModelAsync(name, "1");
        await Eventually.TrueAsync(async () => (await agent.Grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault(name)?.State == ModelUpdateStates.Failed,
            "the offer of a tensor model was not refused", seconds: 30);

        Assert.Contains("it is a tensor model", (await agent.Grain.GetTwinAsync()).ModelUpdates[name].Reason, StringComparison.Ordinal);
        Assert.Empty(SentBy(spans, agent.DeviceId));
        Assert.Null(agent.Host.Models.Active(name));
    }

    private ModelRegistry Registry => silo.Host.Services.GetRequiredService<ModelRegistry>();

    private ModelSigner Signer => silo.Host.Services.GetRequiredService<ModelKeyring>().Signer;

    /// <summary>Collects what this silo's <c>iotai.ota.sent</c> counter adds, with its model, from the silo's own meters only.</summary>
    private System.Diagnostics.Metrics.MeterListener CountSent(LockedCollection<(string Model, long Bytes)> counted)
    {
        var meters = silo.Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "iotai.ota.sent" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, bytes, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "iotai.model")
                {
                    counted.Add(((string)tag.Value!, bytes));
                }
            }
        });
        listener.Start();
        return listener;
    }

    private static TracerProvider Trace(LockedCollection<Activity> spans) =>
        Sdk.CreateTracerProviderBuilder().AddSource([EdgeTelemetry.SourceName, .. SiloObservability.Sources]).AddInMemoryExporter(spans).Build();

    /// <summary>Registers one version of <paramref name="name"/> per head, all on the same 2.2 MB backbone, signed by the silo's key.</summary>
    private PretrainedBackbone Register(string name, params byte[][] heads)
    {
        var backbone = PretrainedBackbone.FromOnnx("wide", Backbone().ToBytes());
        for (var i = 0; i < heads.Length; i++)
        {
            Registry.Import(ModelPackage.Create(Manifest(name, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), backbone), heads[i], Signer, backbone.Onnx));
        }

        return backbone;
    }

    /// <summary>A real edge agent that trusts the silo's key, connected; disposing it stops the agent.</summary>
    private async Task<ConnectedAgent> AgentAsync()
    {
        var trust = Path.Combine(_edge.FullName, $"silo-{Guid.NewGuid():N}.pub.pem");
        await File.WriteAllTextAsync(trust, Signer.ExportPublicKeyPem());
        var deviceId = $"edge-parts-{Guid.NewGuid():N}";
        var host = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(deviceId, silo.Host.MqttPort, _edge.FullName, trust));
        var grain = silo.Host.Grains.GetGrain<IDeviceGrain>(deviceId);
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the agent did not connect", seconds: 30);
        return new ConnectedAgent(deviceId, host, grain);
    }

    private sealed record ConnectedAgent(string DeviceId, EdgeAgentHost Host, IDeviceGrain Grain) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    private static async Task ActiveAsync(IDeviceGrain grain, string name, string version) =>
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).ModelUpdates.GetValueOrDefault(name) is { State: ModelUpdateStates.Active } update && update.Version == version,
            $"version {version} did not become active in time", seconds: 60);

    /// <summary>The model-file bytes the silo sent this device so far, by file, from its spans of serving chunks.</summary>
    private static Dictionary<string, long> SentBy(LockedCollection<Activity> spans, string deviceId) =>
        spans.Snapshot().Where(s => s.DisplayName == "serve model chunks" && Equals(s.GetTagItem("iotai.device.id"), deviceId) && s.GetTagItem("iotai.ota.blob") is string)
            .GroupBy(static s => (string)s.GetTagItem("iotai.ota.blob")!)
            .ToDictionary(static g => g.Key, static g => g.Sum(static s => (long)s.GetTagItem("iotai.ota.bytes")!));

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static ModelManifest Manifest(string name, string version, PretrainedBackbone backbone) => new()
    {
        Name = name,
        Version = version,
        Kind = PayloadKind.Image,
        Input = backbone.Input,
        Image = new ImagePreprocessing(8, 8, grayscale: true),
        Labels = ["left", "right"],
        ScoresOutput = "scores",
        ScoreForm = ScoreForm.Probabilities,
        Backbone = backbone.Part("features"),
    };

    /// <summary>A backbone of 2.2 MB, its batch fixed at 1 as published ones are: an 8 x 8 grey image to a 512-value embedding.</summary>
    private static OnnxGraph Backbone()
    {
        var random = new Random(5);
        return new OnnxGraph()
            .Input("image", OnnxGraph.Float, 1, 1, 8, 8)
            .Int64Initializer("flat", [2], [-1, 64])
            .Node("Reshape", ["image", "flat"], ["pixels"])
            .FloatInitializer("w1", [64, 1024], [.. Enumerable.Range(0, 64 * 1024).Select(_ => random.NextSingle() - 0.5f)])
            .Node("MatMul", ["pixels", "w1"], ["hidden"])
            .Node("Relu", ["hidden"], ["active"])
            .FloatInitializer("w2", [1024, 512], [.. Enumerable.Range(0, 1024 * 512).Select(_ => (random.NextSingle() - 0.5f) / 32)])
            .Node("MatMul", ["active", "w2"], ["projected"])
            .Int64Initializer("pooled", [4], [-1, 512, 1, 1])
            .Node("Reshape", ["projected", "pooled"], ["embedding"])
            .Output("embedding", OnnxGraph.Float, 1, 512, 1, 1);
    }

    /// <summary>A head of a few KB; each version's weights differ.</summary>
    private static OnnxGraph Head(int version) => new OnnxGraph()
        .Input("features", OnnxGraph.Float, "batch", 512)
        .FloatInitializer("weights", [512, 2], [.. Enumerable.Range(0, 1024).Select(i => ((i * version) % 7 - 3) / 10f)])
        .Node("MatMul", ["features", "weights"], ["logits"])
        .Node("Softmax", ["logits"], ["scores"])
        .Output("scores", OnnxGraph.Float, "batch", 2);

    public void Dispose() => _edge.Delete(recursive: true);
}
