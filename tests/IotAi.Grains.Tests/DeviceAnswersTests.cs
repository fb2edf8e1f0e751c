using System.Text;
using IotAi.Grains.Devices;
using IotAi.Protocol;

namespace IotAi.Grains.Tests;

/// <summary>What a reading says besides its values: the device's own answer and the truth it knew.</summary>
public sealed class DeviceAnswersTests
{
    private static DeviceAnswers Of(string json) =>
        DeviceAnswers.Of(new Uplink(PayloadKind.Telemetry, Encoding.UTF8.GetBytes(json), 1, "devices/x/up/telemetry"));

    [Fact]
    public void A_reading_gives_its_own_answer_and_label_and_nothing_nested_is_taken_for_them()
    {
        var answers = Of("""
            {"seq":1,"values":{"temperature":21.5,"vibration":0.2},"meta":{"label":"not this","edge":{"x":[1,2]}},
             "edge":{"model":"sensor-anomaly","version":"3","label":"anomaly","confidence":0.75},"label":"normal"}
            """);

        Assert.Equal(new EdgeAnswer("sensor-anomaly", "3", "anomaly", 0.75f), answers.Edge);
        Assert.Equal("normal", answers.Truth);
    }

    [Theory]
    [InlineData("""{"values":{"t":1},"label":"normal","edge":null}""", null, "normal")]
    [InlineData("""{"values":{"t":1},"label":null}""", null, null)]
    [InlineData("""{"values":{"t":1}}""", null, null)]
    public void What_a_reading_leaves_out_or_sends_as_null_is_missing(string json, string? edgeLabel, string? truth)
    {
        var answers = Of(json);
        Assert.Equal(edgeLabel, answers.Edge?.Label);
        Assert.Equal(truth, answers.Truth);
    }

    [Theory]
    [InlineData("""{"values":{"t":1},"label":7}""")]
    [InlineData("""{"values":{"t":1},"label":"normal","edge":{"model":1}""")]
    [InlineData("""{"values":{"t":1},"label":"normal" """)]
    [InlineData("""["label","edge"]""")]
    public void A_garbled_reading_says_nothing_rather_than_failing_the_reading(string json) =>
        Assert.Equal(default, Of(json));
}
