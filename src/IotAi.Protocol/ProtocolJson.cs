using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>Source-generated JSON for every protocol payload: no reflection at run time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Telemetry))]
[JsonSerializable(typeof(InferenceResult))]
[JsonSerializable(typeof(ErrorReply))]
[JsonSerializable(typeof(DesiredProperties))]
[JsonSerializable(typeof(ModelOffer))]
[JsonSerializable(typeof(ModelFetch))]
[JsonSerializable(typeof(ModelStatusReport))]
[JsonSerializable(typeof(ModelQualityReport))]
[JsonSerializable(typeof(EdgeAnswer))]
[JsonSerializable(typeof(GroundTruth))]
[JsonSerializable(typeof(SignedKeySet))]
public sealed partial class ProtocolJson : JsonSerializerContext
{
    /// <summary>
    /// The context the gateway writes with: like <see cref="JsonSerializerContext"/>'s default, but quotes and
    /// other characters that are harmless in MQTT payloads stay readable instead of becoming \u escapes.
    /// </summary>
    public static ProtocolJson Wire { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
