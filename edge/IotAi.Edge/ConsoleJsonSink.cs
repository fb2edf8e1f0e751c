using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>
/// Writes each answer as one JSON line to standard output (or another stream), so a shell pipeline can consume
/// it: the device's own, <c>{"source":"edge","kind":"telemetry","ts":"…","result":{"model":…,"label":"normal","confidence":0.98},"escalated":false}</c>,
/// and the cloud's, <c>{"source":"cloud","result":{...},"truth":"normal","correct":true,"latencyMs":12.5}</c>.
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
        WriteLine(writer =>
        {
            writer.WriteString("source", "cloud");
            writer.WritePropertyName("result");
            JsonSerializer.Serialize(writer, result.Result, ProtocolJson.Wire.InferenceResult);
            WriteTruth(writer, result.Truth, result.IsCorrect);
            if (result.Latency is { } latency)
            {
                writer.WriteNumber("latencyMs", Math.Round(latency.TotalMilliseconds, 3));
            }
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteLocalAsync(LocalResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        WriteLine(writer =>
        {
            writer.WriteString("source", "edge");
            writer.WriteString("kind", PayloadKinds.Name(result.Kind));
            writer.WriteString("ts", result.SampleTime);
            writer.WritePropertyName("result");
            JsonSerializer.Serialize(writer, result.Answer, ProtocolJson.Wire.EdgeAnswer);
            writer.WriteBoolean("escalated", result.Escalated);
            WriteTruth(writer, result.Truth, result.Truth is null ? null : result.Truth == result.Answer.Label);
        });
        return ValueTask.CompletedTask;
    }

    private static void WriteTruth(Utf8JsonWriter writer, string? truth, bool? correct)
    {
        if (truth is not null)
        {
            writer.WriteString("truth", truth);
            writer.WriteBoolean("correct", correct == true);
        }
    }

    private void WriteLine(Action<Utf8JsonWriter> write)
    {
        lock (_lock)
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
            {
                writer.WriteStartObject();
                write(writer);
                writer.WriteEndObject();
            }

            _buffer.Write("\n"u8);

            // One write per line keeps lines whole when logs share the terminal.
            _output.Write(_buffer.WrittenSpan);
            _output.Flush();
        }
    }
}
