using System.Text;
using System.Text.Json;

namespace IotAi.Protocol;

/// <summary>
/// Reads a telemetry payload straight into the feature vector a model wants, without building a
/// dictionary per message. Extra values are ignored, so a device may send more than one model reads.
/// </summary>
/// <remarks>The payload: <c>{"seq": 42, "ts": "2026-01-01T00:00:00Z", "values": {"temperature": 71.5, ...}}</c>.</remarks>
public sealed class TelemetryReader
{
    private readonly JsonReaderOptions _readerOptions;
    private readonly int _maxBytes;
    private readonly byte[][] _featureNames;

    /// <param name="featureNames">The values the model reads, in its feature order.</param>
    /// <param name="limits">How large and deep a payload may be; <see cref="PayloadLimits.Default"/> when null.</param>
    public TelemetryReader(IReadOnlyList<string> featureNames, PayloadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        FeatureNames = featureNames;
        _featureNames = [.. featureNames.Select(Encoding.UTF8.GetBytes)];
        limits ??= PayloadLimits.Default;
        _readerOptions = new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth };
        _maxBytes = limits.MaxJsonBytes;
    }

    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Fills <paramref name="features"/> (one slot per feature name) or says what is wrong.</summary>
    public TelemetryReadResult Read(ReadOnlySpan<byte> json, Span<float> features)
    {
        if (features.Length < _featureNames.Length)
        {
            throw new ArgumentException("The feature span is shorter than the feature list.", nameof(features));
        }

        if (json.Length > _maxBytes)
        {
            return new TelemetryReadResult($"the payload is {json.Length} bytes; at most {_maxBytes} are accepted", null, null);
        }

        long? seq = null;
        DateTimeOffset? timestamp = null;
        bool? escalate = null;
        var found = 0UL;
        try
        {
            var reader = new Utf8JsonReader(json, _readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail("the payload must be a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var s) || s <= 0)
                    {
                        return Fail("'seq' must be a positive integer");
                    }

                    seq = s;
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var ts))
                    {
                        return Fail("'ts' must be an ISO 8601 time");
                    }

                    timestamp = ts;
                }
                else if (reader.ValueTextEquals("escalate"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        return Fail("'escalate' must be true or false");
                    }

                    escalate = reader.GetBoolean();
                }
                else if (reader.ValueTextEquals("values"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return Fail("'values' must be an object of numbers");
                    }

                    var error = ReadValues(ref reader, features, ref found);
                    if (error is not null)
                    {
                        return Fail(error);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return Fail("the payload must be a single JSON object");
            }
        }
        catch (JsonException ex)
        {
            return Fail($"invalid JSON: {ex.Message}");
        }

        for (var i = 0; i < _featureNames.Length; i++)
        {
            if ((found & (1UL << i)) == 0)
            {
                return Fail($"'values' lacks '{FeatureNames[i]}'");
            }
        }

        return new TelemetryReadResult(null, seq, timestamp, escalate);

        // A failure still reports the sequence number when it was read, so the error reply can name the uplink.
        TelemetryReadResult Fail(string error) => new(error, seq, null);
    }

    private string? ReadValues(ref Utf8JsonReader reader, Span<float> features, ref ulong found)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = IndexOf(ref reader);
            reader.Read();
            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return $"'{FeatureNames[index]}' must be a number";
            }

            features[index] = (float)value;
            found |= 1UL << index;
        }

        return null;
    }

    private int IndexOf(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < _featureNames.Length && i < 64; i++)
        {
            if (reader.ValueTextEquals(_featureNames[i]))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>What <see cref="TelemetryReader.Read"/> found: an error, or the optional sequence number, time and escalation flag.</summary>
public readonly record struct TelemetryReadResult(string? Error, long? Seq, DateTimeOffset? Timestamp, bool? Escalate = null)
{
    public bool IsValid => Error is null;
}
