using System.Text.Json;
using System.Text.Json.Serialization;
using IotAi.Protocol;

namespace IotAi.Models;

/// <summary>
/// Source-generated JSON for manifests, image recipes and the registry's state, written as manifests always were:
/// web names, indented, nulls left out, enums by their camel-case names (<c>"image"</c>, <c>"binaryProbability"</c>).
/// Nothing is looked up by reflection at run time, so the edge agent reads manifests compiled ahead of time.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters =
    [
        typeof(CamelCaseEnumConverter<PayloadKind>), typeof(CamelCaseEnumConverter<ScoreForm>), typeof(CamelCaseEnumConverter<ChannelOrder>),
        typeof(CamelCaseEnumConverter<TensorLayout>), typeof(CamelCaseEnumConverter<PixelType>), typeof(CamelCaseEnumConverter<ResizeMode>),
    ])]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(ImagePreprocessing))]
[JsonSerializable(typeof(RegistryState))]
internal sealed partial class ManifestJson : JsonSerializerContext;

/// <summary>
/// Source-generated JSON for what is signed or is a signature: <see cref="ModelSignature"/> and <see cref="TrustedKeySet"/>,
/// with the property names they declare and no other options.
/// </summary>
[JsonSerializable(typeof(ModelSignature))]
[JsonSerializable(typeof(TrustedKeySet))]
public sealed partial class SignatureJson : JsonSerializerContext;

/// <summary>An enum by its camel-case name; one per enum type, since the non-generic converter needs reflection.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
