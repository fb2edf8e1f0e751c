using System.Text;
using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Edge.Tests;

public sealed class ConsoleJsonSinkTests
{
    [Fact]
    public async Task Each_result_is_one_json_line_with_its_truth_and_latency()
    {
        using var output = new MemoryStream();
        var sink = new ConsoleJsonSink(output);
        var result = new InferenceResult(4, "image", "shape-classifier", "2", "circle", 0.8f,
            new Dictionary<string, float> { ["circle"] = 0.8f }, 3);

        await sink.WriteAsync(new EdgeResult(result, TimeSpan.FromMilliseconds(12.5), "square"), CancellationToken.None);
        await sink.WriteAsync(new EdgeResult(result, null, null), CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(4, first.RootElement.GetProperty("result").GetProperty("seq").GetInt64());
        Assert.Equal("square", first.RootElement.GetProperty("truth").GetString());
        Assert.False(first.RootElement.GetProperty("correct").GetBoolean());
        Assert.Equal(12.5, first.RootElement.GetProperty("latencyMs").GetDouble());
        Assert.Equal("cloud", first.RootElement.GetProperty("source").GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.False(second.RootElement.TryGetProperty("truth", out _));
    }

    [Fact]
    public async Task A_local_answer_is_one_json_line_saying_whether_it_was_escalated()
    {
        using var output = new MemoryStream();
        var sink = new ConsoleJsonSink(output);
        var taken = new DateTimeOffset(2026, 11, 29, 1, 2, 3, TimeSpan.Zero);

        await sink.WriteLocalAsync(new LocalResult(PayloadKind.Telemetry, taken, new EdgeAnswer("sensor-anomaly", "2", "normal", 0.55f), true, "anomaly"), CancellationToken.None);

        using var line = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()).TrimEnd('\n'));
        var root = line.RootElement;
        Assert.Equal(("edge", "telemetry", taken), (root.GetProperty("source").GetString(), root.GetProperty("kind").GetString(), root.GetProperty("ts").GetDateTimeOffset()));
        Assert.Equal(("normal", 0.55f), (root.GetProperty("result").GetProperty("label").GetString(), root.GetProperty("result").GetProperty("confidence").GetSingle()));
        Assert.True(root.GetProperty("escalated").GetBoolean());
        Assert.False(root.GetProperty("correct").GetBoolean());
    }
}
