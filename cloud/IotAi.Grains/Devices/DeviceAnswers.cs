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

            return OfTelemetry(payload);
        }
        catch (JsonException)
        {
            // What the device garbled is no reason to refuse its reading.
            return default;
        }
    }

    /// <summary>
    /// Reads only the reading's top-level <c>edge</c> and <c>label</c>, skipping the rest: the whole reading as a
    /// <see cref="Telemetry"/> would build its values' dictionary and the serializer's state for every reading a
    /// simulator or test rig labels (a ninth of what such a silo allocated per reading). A malformed reading still
    /// throws, as the serializer would.
    /// </summary>
    private static DeviceAnswers OfTelemetry(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        EdgeAnswer? edge = null;
        string? label = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("edge"u8) ? 1 : reader.ValueTextEquals("label"u8) ? 2 : 0;
            reader.Read();
            switch (property)
            {
                case 1:
                    edge = reader.TokenType == JsonTokenType.Null ? null : JsonSerializer.Deserialize(ref reader, ProtocolJson.Wire.EdgeAnswer);
                    break;
                case 2:
                    label = reader.TokenType switch
                    {
                        JsonTokenType.Null => null,
                        JsonTokenType.String => reader.GetString(),
                        _ => throw new JsonException("A reading's label is a string."),
                    };
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new DeviceAnswers(edge, label);
    }
}
