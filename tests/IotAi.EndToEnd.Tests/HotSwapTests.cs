using System.Collections.Concurrent;
using System.Diagnostics;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Versions of the sensor model that answer differently (the shipped one, and one that learned nothing and answers
/// near one half), promoted back and forth while devices keep sending over MQTT. Every answer is the one the version it
/// names gives for that reading, computed apart with ONNX Runtime, and comes from a version that was active at some
/// moment between the reading's send and its answer.
/// </summary>
public sealed class HotSwapTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Devices = 40;
    private const int AnswersBetweenSwaps = 300;
    private static readonly string[] Swaps = ["2", "1", "2", "1", "2"];

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-hot-swap-");
    private readonly Dictionary<string, InferenceSession> _graphs = [];
    private GatewayHost _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            // The host follows the registry quickly, so a test of several swaps stays short.
            ["Models:RefreshInterval"] = "00:00:00.100",
        });
        var registry = _silo.Services.GetRequiredService<ModelRegistry>();
        var shipped = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(shipped.Manifest with { Version = "2" }, CollapsedSensorModel.Train(), _silo.Services.GetRequiredService<ModelKeyring>().Signer));
        foreach (var version in new[] { "1", "2" })
        {
            _graphs[version] = new InferenceSession(registry.Open("sensor-anomaly", version).Onnx);
        }
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        foreach (var graph in _graphs.Values)
        {
            graph.Dispose();
        }

        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task Versions_swapped_under_MQTT_load_answer_each_reading_as_the_version_they_name_and_only_while_it_was_active()
    {
        var host = _silo.Services.GetRequiredService<ModelHost>();
        var clock = Stopwatch.StartNew();
        var timeline = new ConcurrentQueue<(string Version, TimeSpan From, TimeSpan Until)>();
        var answers = new ConcurrentQueue<Answer>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var devices = new List<TestDevice>();
        for (var i = 0; i < Devices; i++)
        {
            devices.Add(await TestDevice.ConnectAsync(_silo.MqttPort, $"swap-{i:D2}-{Guid.NewGuid():N}"[..20]));
        }

        var load = devices.Select(device => Task.Run(() => SendUntilStoppedAsync(device, clock, answers, failures, stop.Token))).ToList();
        try
        {
            var (active, since) = ("1", TimeSpan.Zero);
            foreach (var version in Swaps)
            {
                var due = answers.Count + AnswersBetweenSwaps;
                await Eventually.TrueAsync(() => Task.FromResult(answers.Count >= due || !failures.IsEmpty), "the devices stopped being answered", seconds: 60);
                var promoted = clock.Elapsed;
                _silo.Services.GetRequiredService<ModelRegistry>().Promote("sensor-anomaly", version);
                await Eventually.TrueAsync(() => Task.FromResult(host.ForKind(PayloadKind.Telemetry)?.Manifest.Version == version), $"version {version} was not swapped in", seconds: 30);

                // The old version was active until at least this moment, the new one from the promotion at most.
                timeline.Enqueue((active, since, clock.Elapsed));
                (active, since) = (version, promoted);
            }

            var last = answers.Count + AnswersBetweenSwaps;
            await Eventually.TrueAsync(() => Task.FromResult(answers.Count >= last || !failures.IsEmpty), "the devices stopped being answered", seconds: 60);
            await stop.CancelAsync();
            await Task.WhenAll(load);
            timeline.Enqueue((active, since, TimeSpan.MaxValue));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }

        var wrong = answers.Where(a => Math.Abs(a.Result.Scores["anomaly"] - Expected(a.Result.Version, a.Temperature)) > 1e-4).ToList();
        var stale = answers.Where(a => !timeline.Any(t => t.Version == a.Result.Version && t.From <= a.AnsweredAt && a.SentAt <= t.Until)).ToList();
        var byVersion = answers.GroupBy(static a => a.Result.Version).ToDictionary(static g => g.Key, static g => g.Count());
        output.WriteLine($"{answers.Count} answers from {Devices} devices over {Swaps.Length} swaps in {clock.Elapsed.TotalSeconds:F1} s: " +
            string.Join(", ", byVersion.Select(static v => $"v{v.Key} {v.Value}")) + $"; {wrong.Count} wrong, {stale.Count} stale, {failures.Count} failed");

        Assert.Empty(failures);
        Assert.Empty(wrong.Take(5).Select(static a => $"v{a.Result.Version} answered {a.Result.Scores["anomaly"]} at {a.Temperature} °C"));
        Assert.Empty(stale.Take(5).Select(static a => $"v{a.Result.Version} answered a reading sent at {a.SentAt} at {a.AnsweredAt}"));
        Assert.True(byVersion.GetValueOrDefault("1") > AnswersBetweenSwaps && byVersion.GetValueOrDefault("2") > AnswersBetweenSwaps, "both versions answered under load");
    }

    /// <summary>One device's loop: a reading, its answer, the next; any refusal, error reply, timeout or exception is a failure.</summary>
    private static async Task SendUntilStoppedAsync(TestDevice device, Stopwatch clock, ConcurrentQueue<Answer> answers, ConcurrentQueue<string> failures, CancellationToken stop)
    {
        for (var seq = 1L; !stop.IsCancellationRequested; seq++)
        {
            // Readings from 20 to 99 °C: the shipped model calls the hot ones anomalies, the other version is unsure of all.
            var temperature = 20 + (seq * 7 % 80);
            var sentAt = clock.Elapsed;
            try
            {
                var ack = await device.SendTelemetryAsync(seq, temperature);
                if (!ack.IsSuccess)
                {
                    failures.Enqueue($"{device.Id} #{seq}: refused with {ack.ReasonCode}");
                    return;
                }

                var result = await device.NextResultAsync();
                answers.Enqueue(new Answer(temperature, sentAt, clock.Elapsed, result));
            }
            catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException or Xunit.Sdk.XunitException)
            {
                failures.Enqueue($"{device.Id} #{seq}: {ex.GetType().Name} {ex.Message}");
                return;
            }
        }
    }

    /// <summary>The anomaly probability a version's graph gives for a reading, from ONNX Runtime itself.</summary>
    private float Expected(string version, float temperature)
    {
        var features = new DenseTensor<float>(new[] { temperature, 0.3f, 10f }, [1, 3]);
        using var outputs = _graphs[version].Run([NamedOnnxValue.CreateFromTensor("Features", features)]);
        return outputs.Single(static o => o.Name == "Probability.output").AsEnumerable<float>().Single();
    }

    private sealed record Answer(float Temperature, TimeSpan SentAt, TimeSpan AnsweredAt, InferenceResult Result);
}
