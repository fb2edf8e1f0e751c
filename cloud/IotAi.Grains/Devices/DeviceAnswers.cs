using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Grains.Devices;

/// <summary>What the device said of a sample besides the sample: its own answer and the truth it knew, either possibly missing.</summary>
internal readonly record struct DeviceAnswers(EdgeAnswer? Edge, string? Truth)
{
    /// <summary>Reads them from a telemetry payload or an image's user properties.</summary>
    public static DeviceAnswers Of(Uplink uplink)
    {
        try
        {
            if (uplink.Kind == PayloadKind.Image)
            {
                var edge = uplink.Edge is { Length: > 0 and <= 1024 } json ? JsonSerializer.Deserialize(json, ProtocolJson.Wire.EdgeAnswer) : null;
                return new DeviceAnswers(edge, uplink.Truth);
            }

            // Most readings carry neither; only those that do are parsed a second time.
            var payload = uplink.Payload.AsSpan();
            if (payload.IndexOf("\"edge\""u8) < 0 && payload.IndexOf("\"label\""u8) < 0)
            {
                return default;
            }

            var telemetry = JsonSerializer.Deserialize(uplink.Payload, ProtocolJson.Wire.Telemetry);
            return new DeviceAnswers(telemetry?.Edge, telemetry?.Label);
        }
        catch (JsonException)
        {
            // What the device garbled is no reason to refuse its reading.
            return default;
        }
    }
}
