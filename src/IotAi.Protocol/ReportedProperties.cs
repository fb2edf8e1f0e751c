using System.Globalization;
using System.Text.Json;

namespace IotAi.Protocol;

/// <summary>
/// Reads the properties a device reports about itself on <c>devices/{id}/up/twin/reported</c>: one flat JSON
/// object whose values are strings, numbers or booleans, e.g. <c>{"firmware":"1.4.2","battery":87}</c>.
/// Values are kept as text; a later report of the same name replaces the earlier one.
/// </summary>
public static class ReportedProperties
{
    public const int MaxProperties = 64;
    public const int MaxNameLength = 64;
    public const int MaxValueLength = 1024;

    /// <summary>
    /// Reported as <see cref="NoModelUpdates"/> by a device that runs no model of its own and takes none over the
    /// air: the cloud answers all it sends, so a rollout counts it as served by the cloud instead of waiting for it.
    /// </summary>
    public const string Ota = "ota";

    public const string NoModelUpdates = "none";

    /// <summary>The version of the trusted model key set the device holds (<c>down/keys</c>); 0 before any.</summary>
    public const string KeySetVersion = "keySetVersion";

    /// <summary>The models an edge agent runs, as <c>name:version</c> pairs separated by commas.</summary>
    public const string Models = "models";

    /// <summary>The properties, or an error that says what is wrong.</summary>
    public static (Dictionary<string, string>? Properties, string? Error) Read(ReadOnlySpan<byte> json)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, "reported properties must be a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (name.Length is 0 or > MaxNameLength)
                {
                    return (null, $"property names are 1 to {MaxNameLength} characters");
                }

                string? value = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => reader.GetDouble().ToString(CultureInfo.InvariantCulture),
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    _ => null,
                };
                if (value is null)
                {
                    return (null, $"'{name}' must be a string, a number or a boolean");
                }

                if (value.Length > MaxValueLength)
                {
                    return (null, $"'{name}' is longer than {MaxValueLength} characters");
                }

                properties[name] = value;
                if (properties.Count > MaxProperties)
                {
                    return (null, $"at most {MaxProperties} properties may be reported at once");
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return (null, "reported properties must be a single JSON object");
            }
        }
        catch (JsonException ex)
        {
            return (null, $"invalid JSON: {ex.Message}");
        }

        return (properties, null);
    }
}
