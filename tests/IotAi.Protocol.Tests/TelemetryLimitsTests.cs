using System.Text;

namespace IotAi.Protocol.Tests;

/// <summary>Telemetry too large or nested too deep is refused by the reader the cloud and the edge share.</summary>
public sealed class TelemetryLimitsTests
{
    private const string Reading = """{"values":{"temperature":1,"vibration":2,"current":3}""";

    [Fact]
    public void Json_nested_deeper_than_the_limit_is_refused()
    {
        var reader = new TelemetryReader(["temperature", "vibration", "current"], new PayloadLimits { MaxJsonDepth = 3 });

        var shallow = reader.Read(Encoding.UTF8.GetBytes(Reading + ""","extra":[1]}"""), new float[3]);
        var deep = reader.Read(Encoding.UTF8.GetBytes(Reading + ""","extra":[[[1]]]}"""), new float[3]);

        Assert.True(shallow.IsValid, shallow.Error);
        Assert.Contains("depth of 3", deep.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_longer_than_the_limit_is_refused_before_it_is_parsed()
    {
        var reader = new TelemetryReader(["temperature", "vibration", "current"], new PayloadLimits { MaxJsonBytes = 64 });
        var payload = Encoding.UTF8.GetBytes(Reading + $$""","note":"{{new string('x', 64)}}"}""");

        var result = reader.Read(payload, new float[3]);

        Assert.Equal($"the payload is {payload.Length} bytes; at most 64 are accepted", result.Error);
    }

    [Fact]
    public void The_defaults_refuse_five_levels_and_accept_a_reading_with_an_edge_answer()
    {
        var reader = new TelemetryReader(["temperature", "vibration", "current"]);

        var withEdge = reader.Read(Encoding.UTF8.GetBytes(Reading + ""","edge":{"model":"m","version":"1","label":"normal","confidence":0.9}}"""), new float[3]);
        var tooDeep = reader.Read(Encoding.UTF8.GetBytes(Reading + ""","extra":[[[[1]]]]}"""), new float[3]);

        Assert.True(withEdge.IsValid, withEdge.Error);
        Assert.False(tooDeep.IsValid);
        Assert.Equal(4, PayloadLimits.Default.MaxJsonDepth);
    }
}
