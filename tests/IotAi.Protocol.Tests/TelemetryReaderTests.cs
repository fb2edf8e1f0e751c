using System.Text;

namespace IotAi.Protocol.Tests;

public sealed class TelemetryReaderTests
{
    private readonly TelemetryReader _reader = new(["temperature", "vibration", "current"]);

    [Fact]
    public void Reads_values_in_the_model_order_whatever_the_payload_order()
    {
        var features = new float[3];
        var result = _reader.Read("""{"values":{"current":10.5,"extra":1,"temperature":45,"vibration":0.25},"seq":7,"ts":"2026-01-02T03:04:05Z"}"""u8, features);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal([45f, 0.25f, 10.5f], features);
        Assert.Equal(7, result.Seq);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), result.Timestamp);
    }

    [Fact]
    public void Seq_and_time_are_optional()
    {
        var result = _reader.Read("""{"values":{"temperature":1,"vibration":2,"current":3}}"""u8, new float[3]);

        Assert.True(result.IsValid, result.Error);
        Assert.Null(result.Seq);
    }

    [Fact]
    public void A_device_answered_reading_says_whether_the_cloud_should_infer_and_its_answer_is_skipped()
    {
        var features = new float[3];
        var result = _reader.Read("""{"seq":3,"values":{"temperature":1,"vibration":2,"current":3},"edge":{"model":"m","version":"2","label":"normal","confidence":0.97},"escalate":false}"""u8, features);
        var plain = _reader.Read("""{"values":{"temperature":1,"vibration":2,"current":3}}"""u8, features);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal((3L, false), (result.Seq, result.Escalate));
        Assert.Null(plain.Escalate);
    }

    [Theory]
    [InlineData("""{"values":{"temperature":1,"vibration":2,"current":3},"escalate":"no"}""", "'escalate' must be true or false")]
    [InlineData("""{"values":{"temperature":1,"vibration":2}}""", "lacks 'current'")]
    [InlineData("""{"values":{"temperature":"hot","vibration":2,"current":3}}""", "'temperature' must be a number")]
    [InlineData("""{"seq":-1,"values":{}}""", "'seq' must be a positive integer")]
    [InlineData("""{"seq":1.5,"values":{}}""", "'seq' must be a positive integer")]
    [InlineData("""{"ts":"yesterday","values":{}}""", "'ts' must be an ISO 8601 time")]
    [InlineData("""[1,2,3]""", "must be a JSON object")]
    [InlineData("""{"values":[1,2,3]}""", "'values' must be an object")]
    [InlineData("""{"values":{"temperature":1""", "invalid JSON")]
    [InlineData("""{"values":{"temperature":1,"vibration":2,"current":3}} {}""", "invalid JSON")]
    [InlineData("""not json""", "invalid JSON")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":1}}}},"values":{}}""", "invalid JSON")]
    public void Says_what_is_wrong_with_a_bad_payload(string json, string expected)
    {
        var result = _reader.Read(Encoding.UTF8.GetBytes(json), new float[3]);

        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_keeps_the_sequence_number_it_read()
    {
        var result = _reader.Read("""{"seq":12,"values":{"temperature":1}}"""u8, new float[3]);

        Assert.False(result.IsValid);
        Assert.Equal(12, result.Seq);
    }
}
