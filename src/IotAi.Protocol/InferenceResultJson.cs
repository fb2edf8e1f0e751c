using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IotAi.Protocol;

/// <summary>
/// Writes an <see cref="InferenceResult"/>'s JSON straight from the answer's parts, as the wire context would write the
/// record, into a buffer each thread reuses: the gateway sends one per answered reading, and building the record and
/// its dictionary of scores first cost more than the payload itself. Only the finished bytes are a new array, since
/// they travel on as the reply.
/// </summary>
public static class InferenceResultJson
{
    private const int MaxKeptBuffer = 16 * 1024;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The result's JSON, as <see cref="InferenceResult"/> says each part.</summary>
    /// <param name="seq">The answered uplink's sequence number, when it had one.</param>
    /// <param name="kind">The payload kind's name.</param>
    /// <param name="model">The model's name.</param>
    /// <param name="version">The model's version.</param>
    /// <param name="labels">The model's labels, in the order of <paramref name="scores"/>.</param>
    /// <param name="scores">The probability of each label.</param>
    /// <param name="labelIndex">The most likely label's place in <paramref name="labels"/>.</param>
    /// <param name="inferenceMs">Time spent in the model host.</param>
    public static byte[] Write(long? seq, string kind, string model, string version, IReadOnlyList<string> labels, ReadOnlySpan<float> scores, int labelIndex, double inferenceMs)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var buffer = t_buffer;
        if (buffer is null || buffer.Capacity > MaxKeptBuffer)
        {
            t_buffer = buffer = new ArrayBufferWriter<byte>(512);
            t_writer?.Dispose();
            t_writer = null;
        }

        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        writer.WriteStartObject();
        if (seq is long number)
        {
            writer.WriteNumber("seq"u8, number);
        }

        writer.WriteString("kind"u8, kind);
        writer.WriteString("model"u8, model);
        writer.WriteString("version"u8, version);
        writer.WriteString("label"u8, labels[labelIndex]);
        writer.WriteNumber("confidence"u8, scores[labelIndex]);
        writer.WriteStartObject("scores"u8);
        for (var i = 0; i < labels.Count; i++)
        {
            writer.WriteNumber(labels[i], scores[i]);
        }

        writer.WriteEndObject();
        writer.WriteNumber("inferenceMs"u8, inferenceMs);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
