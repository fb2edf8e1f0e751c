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
        using var second = JsonDocument.Parse(lines[1]);
        Assert.False(second.RootElement.TryGetProperty("truth", out _));
    }
}
