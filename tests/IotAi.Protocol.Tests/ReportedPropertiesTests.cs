using System.Text;

namespace IotAi.Protocol.Tests;

public sealed class ReportedPropertiesTests
{
    [Fact]
    public void Strings_numbers_and_booleans_are_kept_as_text()
    {
        var (properties, error) = ReportedProperties.Read("""{"firmware":"1.4.2","battery":87,"load":0.25,"charging":true,"fan":false}"""u8);

        Assert.Null(error);
        Assert.Equal(
            new Dictionary<string, string> { ["firmware"] = "1.4.2", ["battery"] = "87", ["load"] = "0.25", ["charging"] = "true", ["fan"] = "false" },
            properties);
    }

    [Theory]
    [InlineData("""{"nested":{"a":1}}""", "must be a string, a number or a boolean")]
    [InlineData("""{"list":[1]}""", "must be a string, a number or a boolean")]
    [InlineData("""{"nothing":null}""", "must be a string, a number or a boolean")]
    [InlineData("""[]""", "must be a JSON object")]
    [InlineData("""{"":1}""", "property names are 1 to 64")]
    [InlineData("""{"a":1} {"b":2}""", "invalid JSON")]
    public void Refuses_what_is_not_a_flat_object_of_simple_values(string json, string expected)
    {
        var (properties, error) = ReportedProperties.Read(Encoding.UTF8.GetBytes(json));

        Assert.Null(properties);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_too_many_or_too_long_values()
    {
        var many = "{" + string.Join(',', Enumerable.Range(0, 65).Select(i => $"\"p{i}\":1")) + "}";
        var longValue = $$"""{"notes":"{{new string('x', 1025)}}"}""";

        Assert.Contains("at most 64", ReportedProperties.Read(Encoding.UTF8.GetBytes(many)).Error, StringComparison.Ordinal);
        Assert.Contains("longer than 1024", ReportedProperties.Read(Encoding.UTF8.GetBytes(longValue)).Error, StringComparison.Ordinal);
    }
}
