using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using IotAi.Grains.Devices;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Grains.Tests;

/// <summary>
/// A device's tensor calls to a real stateful model (ONNX Runtime runs it): the device's grain carries its state from
/// call to call, and starts afresh on request, after the model's idle time, and when the version changes.
/// </summary>
#pragma warning disable CA1001 // xunit disposes the host and services in DisposeAsync.
public sealed class TensorAnswererTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Topic = "devices/mic-1/up/tensor/streaming";
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly OneModelHost _host = new();
    private DeviceActivation _device = null!;
    private TensorAnswerer _answerer = null!;

    public async Task InitializeAsync()
    {
        await _host.LoadAsync("1");
        var telemetry = new DeviceTelemetry(_services.GetRequiredService<IMeterFactory>());
        _device = new DeviceActivation("mic-1", new InMemoryTwin(), grains: null!, _clock, NullLogger.Instance);
        _answerer = new TensorAnswerer(_device, _host, new TwinKeeper(_device, new FleetCount(_device, telemetry), telemetry), NullLogger.Instance);
    }

    [Fact]
    public void The_state_is_carried_from_call_to_call_and_each_reply_says_whether_it_started_afresh()
    {
        var first = Call(samples: [1, 2, 3]);
        var second = Call(samples: [4]);

        Assert.Equal(("12,12", true), first);
        Assert.Equal(("20,20", false), second);
        Assert.Equal(2, _device.State.Counters.Tensors);
    }

    [Fact]
    public void A_sequence_starts_afresh_on_request_and_ends_on_request()
    {
        Call(samples: [1, 2, 3]);

        var restarted = Call(samples: [1], parameters: """{"sequence_start":true}""");
        var ended = Call(samples: [1], parameters: """{"sequence_end":true}""");
        var after = Call(samples: [1]);

        Assert.Equal(("2,2", true), restarted);
        Assert.Equal(("4,4", false), ended);
        Assert.Equal(("2,2", true), after);
    }

    [Fact]
    public void A_device_quiet_past_the_idle_time_starts_afresh()
    {
        Call(samples: [5]);
        _clock.Advance(TimeSpan.FromSeconds(60));
        var within = Call(samples: [1]);
        _clock.Advance(TimeSpan.FromSeconds(60.001));

        var past = Call(samples: [1]);

        Assert.Equal(("12,12", false), within);
        Assert.Equal(("2,2", true), past);
    }

    [Fact]
    public async Task A_new_version_starts_every_device_afresh()
    {
        Call(samples: [5]);
        await _host.LoadAsync("2");

        var reply = Call(samples: [1]);

        Assert.Equal(("2,2", true), reply);
    }

    [Fact]
    public void The_binary_form_is_answered_like_the_json_form_and_carries_the_same_state()
    {
        var json = Call(samples: [1, 2, 3]);
        byte[] payload = [.. BitConverter.GetBytes(4f), .. BitConverter.GetBytes(2L)];
        var reply = _answerer.Answer(new Uplink(PayloadKind.Tensor, payload, 7, Topic, Tensor: new TensorUplink("streaming", ["FP32[1,1] samples", "INT64[] rate"], ["score"], false, false)));

        var answer = JsonDocument.Parse(reply.Reply!.Payload).RootElement;
        Assert.Equal(UplinkOutcome.Accepted, reply.Outcome);
        Assert.Equal((7, "streaming", "1"), (answer.GetProperty("seq").GetInt64(), answer.GetProperty("model_name").GetString(), answer.GetProperty("model_version").GetString()));
        Assert.Equal([20f, 20f], answer.GetProperty("outputs").EnumerateArray().Single().GetProperty("data").EnumerateArray().Select(static d => d.GetSingle()));
        Assert.True(json.Fresh);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"samples","datatype":"FP32","shape":[1,1],"data":[1]},{"name":"rate","datatype":"INT64","shape":[],"data":2},{"name":"h","datatype":"FP32","shape":[1,2],"data":[9,9]}]}""",
        "'h' is state the gateway carries for the device from call to call")]
    [InlineData("""{"inputs":[{"name":"samples","datatype":"FP32","shape":[1,1],"data":[1]},{"name":"rate","datatype":"FP32","shape":[],"data":2}]}""",
        "'rate' is INT64, not FP32")]
    [InlineData("""{"inputs":[{"name":"samples","datatype":"FP32","shape":[1,1],"data":[1]}]}""",
        "model streaming needs the input 'rate' (INT64[]), which is missing")]
    [InlineData("""{"inputs":""", "the request is not JSON")]
    public void A_wrong_call_is_refused_naming_the_tensor_and_leaves_the_state_as_it_was(string json, string expected)
    {
        Call(samples: [1, 2, 3]);

        var reply = _answerer.Answer(new Uplink(PayloadKind.Tensor, Encoding.UTF8.GetBytes(json), null, Topic, Tensor: new TensorUplink("streaming", [], [], false, false)));
        var after = Call(samples: [4]);

        Assert.Equal(UplinkOutcome.PayloadInvalid, reply.Outcome);
        Assert.Contains(expected, JsonDocument.Parse(reply.Reply!.Payload).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(("20,20", false), after);
    }

    [Fact]
    public void A_model_that_is_not_serving_gets_no_model()
    {
        var reply = _answerer.Answer(new Uplink(PayloadKind.Tensor, [], null, "devices/mic-1/up/tensor/nope", Tensor: new TensorUplink("nope", [], [], false, false)));

        Assert.Equal(UplinkOutcome.NoModel, reply.Outcome);
        Assert.Contains("no model named 'nope' is serving", Encoding.UTF8.GetString(reply.Reply!.Payload), StringComparison.Ordinal);
    }

    /// <summary>One JSON call with rate 2; the score (its values, comma-separated) and whether the reply says the sequence started afresh.</summary>
    private (string Score, bool Fresh) Call(float[] samples, string parameters = "{}")
    {
        var json = $$"""
            {"inputs":[{"name":"samples","datatype":"FP32","shape":[1,{{samples.Length}}],"data":[{{string.Join(",", samples)}}]},
                       {"name":"rate","datatype":"INT64","shape":[],"data":2}],
             "parameters":{{parameters}}}
            """;
        var reply = _answerer.Answer(new Uplink(PayloadKind.Tensor, Encoding.UTF8.GetBytes(json), null, Topic, Tensor: new TensorUplink("streaming", [], [], false, false)));
        Assert.Equal(UplinkOutcome.Accepted, reply.Outcome);
        var answer = JsonDocument.Parse(reply.Reply!.Payload).RootElement;
        var output = answer.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal("score", output.GetProperty("name").GetString());
        return (string.Join(",", output.GetProperty("data").EnumerateArray().Select(static d => d.GetSingle())), answer.GetProperty("parameters").GetProperty("sequence_start").GetBoolean());
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _services.DisposeAsync();
    }

    /// <summary>
    /// The silo's model host reduced to what the answerer asks of it: the active version of one model. The model itself is
    /// real: the streaming graph, imported and run by ONNX Runtime, with a 60-second idle time.
    /// </summary>
    private sealed class OneModelHost : IModelHost, IAsyncDisposable
    {
        private LoadedModel? _active;

        public async Task LoadAsync(string version)
        {
            var (manifest, onnx) = ModelImporter.Prepare(OnnxGraph.Streaming().ToBytes(), new OnnxImport
            {
                Name = "streaming", Version = version, Kind = PayloadKind.Tensor, StatePairs = [new StatePair("h", "h_next")], StateIdleSeconds = 60,
            });
            var previous = _active;
            _active = new LoadedModel(new OnnxModel(manifest, onnx), new BatchingOptions());
            if (previous is not null)
            {
                await previous.DisposeAsync();
            }
        }

        public LoadedModel? ForKind(PayloadKind kind) => kind == PayloadKind.Tensor ? _active : null;

        public LoadedModel? Active(string name) => name == "streaming" ? _active : null;

        public ValueTask<LoadedModel?> GetAsync(string name, string version, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Active(name) is { } model && model.Manifest.Version == version ? model : null);

        public IReadOnlyCollection<LoadedModel> Models => _active is null ? [] : [_active];

        public async ValueTask DisposeAsync()
        {
            if (_active is not null)
            {
                await _active.DisposeAsync();
            }
        }
    }
}
