using IotAi.Gateway.Mqtt.Limits;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

/// <summary>
/// Budgets per client. Rates here are so slow (one message or kilobyte an hour's worth a second) that no refill can
/// happen while a test runs: the token buckets read the real clock, so these tests never depend on its speed.
/// </summary>
public sealed class DeviceRatesTests
{
    private static readonly MqttLimitsOptions Options = new()
    {
        MessagesPerSecond = 1,
        MessageBurst = 3,
        BytesPerSecond = 1024,
        ByteBurst = 4096,
        MaxPacketBytes = 4096,
    };

    [Fact]
    public void A_client_past_its_burst_is_refused_with_quota_exceeded_and_its_neighbour_is_not()
    {
        using var rates = new DeviceRates(Options);

        var noisy = Enumerable.Range(0, 5).Select(_ => rates.TrySpend("noisy", 10)).ToList();
        var neighbour = rates.TrySpend("neighbour", 10);

        Assert.Equal(3, noisy.Count(static r => r is null));
        Assert.All(noisy.Skip(3), static r => Assert.Equal((MqttPubAckReasonCode.QuotaExceeded, "message_rate"), (r!.Code, r.Metric)));
        Assert.Null(neighbour);
    }

    [Fact]
    public void Payload_bytes_are_budgeted_apart_from_messages()
    {
        using var rates = new DeviceRates(Options);

        var first = rates.TrySpend("camera", 3000);
        var second = rates.TrySpend("camera", 3000);
        var larger_than_the_bucket = rates.TrySpend("other", 5000);

        Assert.Null(first);
        Assert.Equal("byte_rate", second?.Metric);
        Assert.Equal("byte_rate", larger_than_the_bucket?.Metric);
    }

    [Fact]
    public void A_client_that_disconnects_is_forgotten()
    {
        using var rates = new DeviceRates(Options);
        for (var i = 0; i < 4; i++)
        {
            rates.TrySpend("gone", 1);
        }

        rates.Release("gone");

        Assert.Equal(0, rates.Count);
        Assert.Null(rates.TrySpend("gone", 1));
    }
}
