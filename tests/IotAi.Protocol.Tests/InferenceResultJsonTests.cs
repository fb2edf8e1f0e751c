using System.Text.Json;

namespace IotAi.Protocol.Tests;

/// <summary>The result the gateway writes by hand is, byte for byte, what the wire context writes for the record devices read.</summary>
public sealed class InferenceResultJsonTests
{
    public static TheoryData<long?, string[], float[], int, double> Answers => new()
    {
        { 7, ["normal", "anomaly"], [0.9873f, 0.0127f], 0, 0.412 },
        { null, ["empty", "circle", "square", "triangle"], [1e-8f, 0.25f, 0.7499999f, 0f], 2, 12.5 },
        { long.MaxValue, ["\"quoted\"", "über", "a\\b", "<tag>"], [0.1f, 0.2f, 0.3f, 0.4f], 3, 0 },
        { 1, ["only"], [1f], 0, 1234.567 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void The_written_result_is_the_records_json(long? seq, string[] labels, float[] scores, int best, double milliseconds)
    {
        var record = new InferenceResult(seq, "telemetry", "sensor-anomaly", "3", labels[best], scores[best],
            labels.Select((label, i) => (label, i)).ToDictionary(static p => p.label, p => scores[p.i]), milliseconds);
        var expected = JsonSerializer.SerializeToUtf8Bytes(record, ProtocolJson.Wire.InferenceResult);

        var written = InferenceResultJson.Write(seq, "telemetry", "sensor-anomaly", "3", labels, scores, best, milliseconds);

        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(written));
        var read = JsonSerializer.Deserialize(written, ProtocolJson.Wire.InferenceResult)!;
        Assert.Equal((record.Seq, record.Label, record.Confidence), (read.Seq, read.Label, read.Confidence));
        Assert.Equal(record.Scores, read.Scores);
    }

    [Fact]
    public void A_large_result_does_not_keep_its_buffer_and_the_next_is_whole()
    {
        var labels = Enumerable.Range(0, 2000).Select(static i => $"label-{i}").ToArray();
        var scores = Enumerable.Range(0, 2000).Select(static i => i / 2000f).ToArray();
        var large = InferenceResultJson.Write(1, "image", "many", "1", labels, scores, 1999, 1);
        var small = InferenceResultJson.Write(2, "telemetry", "sensor-anomaly", "1", ["normal", "anomaly"], [0.5f, 0.5f], 0, 1);

        Assert.Equal(2000, JsonSerializer.Deserialize(large, ProtocolJson.Wire.InferenceResult)!.Scores.Count);
        Assert.Equal((2L, "normal"), JsonSerializer.Deserialize(small, ProtocolJson.Wire.InferenceResult) is { } r ? (r.Seq!.Value, r.Label) : default);
    }
}
