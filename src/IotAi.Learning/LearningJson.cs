using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAi.Learning;

/// <summary>How sample metadata is written: camel case, enums by name, readable by people and tools.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CapturedSample))]
[JsonSerializable(typeof(DatasetSnapshot))]
internal sealed partial class LearningJson : JsonSerializerContext;

/// <summary>Sample metadata inside a segment's records: as <see cref="LearningJson"/> writes it, without the indentation.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CapturedSample))]
internal sealed partial class SampleRecordJson : JsonSerializerContext;
