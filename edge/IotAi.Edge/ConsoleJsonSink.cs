using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>
/// Writes each result as one JSON line to standard output (or another stream):
/// <c>{"result":{...},"truth":"normal","correct":true,"latencyMs":12.5}</c>, so a shell pipeline can consume it.
/// </summary>
public sealed class ConsoleJsonSink : IResultSink
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Lock _lock = new();

    public ConsoleJsonSink()
        : this(Console.OpenStandardOutput())
    {
    }

    public ConsoleJsonSink(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    public ValueTask WriteAsync(EdgeResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_lock)
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("result");
                JsonSerializer.Serialize(writer, result.Result, ProtocolJson.Wire.InferenceResult);
                if (result.Truth is not null)
                {
                    writer.WriteString("truth", result.Truth);
                    writer.WriteBoolean("correct", result.IsCorrect == true);
                }

                if (result.Latency is { } latency)
                {
                    writer.WriteNumber("latencyMs", Math.Round(latency.TotalMilliseconds, 3));
                }

                writer.WriteEndObject();
            }

            _buffer.Write("\n"u8);

            // One write per line keeps lines whole when logs share the terminal.
            _output.Write(_buffer.WrittenSpan);
            _output.Flush();
        }

        return ValueTask.CompletedTask;
    }
}
