using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Simulator;

/// <summary>The uplinks: telemetry JSON from the signal, JPEG frames from the camera, each with its true label.</summary>
internal sealed partial class SimulatedDevice
{
    /// <summary>What the device says of itself on connect: it runs no model, so rollouts leave it to the cloud.</summary>
    private static readonly byte[] Reported = Encoding.UTF8.GetBytes($"{{\"{ReportedProperties.Ota}\":\"{ReportedProperties.NoModelUpdates}\"}}");

    /// <summary>Turns the device's world once the run's drift is due: from then on its readings and frames drift.</summary>
    private void DriftWhenDue()
    {
        var plan = _options.Drift;
        if (!_drifted && plan.IsDue(_time.GetElapsedTime(_sendingSince)))
        {
            _signal.Drift = plan.Sensor;
            _camera.Drift = plan.Image;
            _drifted = true;
        }
    }

    private MqttApplicationMessage ReportedMessage() => new MqttApplicationMessageBuilder()
        .WithTopic(DeviceTopics.Reported(Id))
        .WithPayload(Reported)
        .WithContentType(ContentTypes.Json)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private MqttApplicationMessage TelemetryMessage(long seq, out string truth)
    {
        var now = _time.GetUtcNow();
        var sample = _signal.Next(now);
        var features = SensorSample.FeatureNames;
        _values[features[0]] = sample.Temperature;
        _values[features[1]] = sample.Vibration;
        _values[features[2]] = sample.Current;
        truth = sample.Label;

        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        JsonSerializer.Serialize(_writer, new Telemetry(seq, now, _values, Escalate: _options.Escalate ? null : false, Label: _options.SendTruth ? truth : null), ProtocolJson.Wire.Telemetry);
        Pad(_options.PayloadBytes);
        return new MqttApplicationMessageBuilder()
            .WithTopic(_telemetryTopic)
            .WithPayload(new ReadOnlySequence<byte>(_buffer.WrittenMemory))
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

    private MqttApplicationMessage ImageMessage(long seq, out string truth)
    {
        var frame = _camera.Next();
        truth = frame.Label;
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(_imageTopic)
            .WithPayload(frame.Encoded)
            .WithContentType(frame.ContentType)
            .WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)).AsMemory())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_options.SendTruth)
        {
            builder.WithUserProperty(UserProperties.Label, Encoding.UTF8.GetBytes(truth).AsMemory());
        }

        return builder.Build();
    }
}
