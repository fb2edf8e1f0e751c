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
        JsonSerializer.Serialize(_writer, new Telemetry(seq, now, _values), ProtocolJson.Wire.Telemetry);
        return new MqttApplicationMessageBuilder()
            .WithTopic(_telemetryTopic)
            .WithPayload(new ReadOnlySequence<byte>(_buffer.WrittenMemory))
            .WithContentType(ContentTypes.Json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    private MqttApplicationMessage ImageMessage(long seq, out string truth)
    {
        var frame = _camera.Next();
        truth = frame.Label;
        return new MqttApplicationMessageBuilder()
            .WithTopic(_imageTopic)
            .WithPayload(frame.Encoded)
            .WithContentType(frame.ContentType)
            .WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)).AsMemory())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }
}
