using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAi.Learning;

/// <summary>How sample metadata is written: camel case, enums by name, readable by people and tools.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CapturedSample))]
[JsonSerializable(typeof(DatasetSnapshot))]
internal sealed partial class LearningJson : JsonSerializerContext;
