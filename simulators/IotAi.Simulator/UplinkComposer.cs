using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Simulator.Replay;
using IotAi.Synthetic;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Simulator;

/// <summary>
/// Writes one device's uplinks: telemetry JSON from its signal or a replayed row, JPEG frames from its camera,
/// each with its true label. A device makes one only when it first sends, and its camera only at its first
/// frame, so a fleet that only connects carries none of this.
/// </summary>
internal sealed class UplinkComposer(int index, FleetOptions options) : IDisposable
{
    private readonly SensorSignal _signal = new(options.Seed + index, options.AnomalyRate, options.SignalPeriod);
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private Utf8JsonWriter? _writer;
    private SyntheticCamera? _camera;
    private DriftPlan? _drifted;

    // Seeded as before the camera was made lazily, so a seed's frames are unchanged.
    private SyntheticCamera Camera => _camera ??= new SyntheticCamera(options.Seed + index) { Drift = _drifted?.Image ?? 0 };

    /// <summary>Turns this device's world: from now on its readings and frames drift.</summary>
    public void Drift(DriftPlan plan)
    {
        _drifted = plan;
        _signal.Drift = plan.Sensor;
        if (_camera is not null)
        {
            _camera.Drift = plan.Image;
        }
    }

    /// <param name="seq">The uplink's sequence number.</param>
    /// <param name="now">The reading's time, on the fleet's clock.</param>
    /// <param name="keep">Copy the payload, because the uplink may be sent again after a reconnect; otherwise it is written into a buffer the next uplink reuses.</param>
    /// <param name="topic">The device's telemetry topic.</param>
    /// <param name="truth">The reading's label.</param>
    public MqttApplicationMessage Telemetry(long seq, DateTimeOffset now, bool keep, string topic, out string truth)
    {
        var sample = _signal.Next(now);
        var features = SensorSample.FeatureNames;
        _values[features[0]] = sample.Temperature;
        _values[features[1]] = sample.Vibration;
        _values[features[2]] = sample.Current;
        truth = sample.Label;
        return Json(new Telemetry(seq, now, _values, Escalate: Escalate, Label: options.SendTruth ? truth : null), keep, topic);
    }

    /// <summary>A recorded row, sent as it was taken: its own time when the file has one, and its label as the truth.</summary>
    public MqttApplicationMessage Replayed(long seq, DateTimeOffset now, ReplayRow row, bool keep, string topic) =>
        Json(new Telemetry(seq, row.Timestamp ?? now, row.Values, Escalate: Escalate, Label: options.SendTruth ? row.Label : null), keep, topic);

    public MqttApplicationMessage Image(long seq, string topic, out string truth)
    {
        var frame = Camera.Next();
        truth = frame.Label;
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(frame.Encoded)
            .WithContentType(frame.ContentType)
            .WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)).AsMemory())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (options.SendTruth)
        {
            builder.WithUserProperty(UserProperties.Label, Encoding.UTF8.GetBytes(truth).AsMemory());
        }

        return builder.Build();
    }

    private bool? Escalate => options.Escalate ? null : false;

    private MqttApplicationMessage Json(Telemetry telemetry, bool keep, string topic)
    {
        _buffer.ResetWrittenCount();
        _writer ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = ProtocolJson.Wire.Options.Encoder });
        _writer.Reset(_buffer);
        JsonSerializer.Serialize(_writer, telemetry, ProtocolJson.Wire.Telemetry);
        Pad(options.PayloadBytes);
        var payload = keep ? new ReadOnlySequence<byte>(_buffer.WrittenSpan.ToArray()) : new ReadOnlySequence<byte>(_buffer.WrittenMemory);
        return new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithContentType(ContentTypes.Json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    /// <summary>Grows the written JSON object to <paramref name="bytes"/> with a <c>pad</c> string, which readers skip.</summary>
    private void Pad(int bytes)
    {
        // Replacing the closing brace with ,"pad":"…"} adds 9 bytes around the padding itself.
        var padding = bytes - _buffer.WrittenCount - 9;
        if (padding < 0)
        {
            return;
        }

        var end = _buffer.WrittenCount - 1;
        _buffer.ResetWrittenCount();
        _buffer.Advance(end);
        ",\"pad\":\""u8.CopyTo(_buffer.GetSpan(8));
        _buffer.Advance(8);
        _buffer.GetSpan(padding)[..padding].Fill((byte)'x');
        _buffer.Advance(padding);
        "\"}"u8.CopyTo(_buffer.GetSpan(2));
        _buffer.Advance(2);
    }

    public void Dispose() => _writer?.Dispose();
}
