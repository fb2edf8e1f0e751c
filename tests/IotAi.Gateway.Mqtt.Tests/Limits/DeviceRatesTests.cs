using Microsoft.Extensions.Time.Testing;
using IotAi.Gateway.Mqtt.Limits;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

/// <summary>Budgets per client, on a clock the tests move: nothing refills unless a test lets time pass.</summary>
public sealed class DeviceRatesTests
{
    private readonly FakeTimeProvider _clock = new();

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
        using var rates = new DeviceRates(Options, _clock);

        var noisy = Enumerable.Range(0, 5).Select(_ => rates.TrySpend("noisy", 10)).ToList();
        var neighbour = rates.TrySpend("neighbour", 10);

        Assert.Equal(3, noisy.Count(static r => r is null));
        Assert.All(noisy.Skip(3), static r => Assert.Equal((MqttPubAckReasonCode.QuotaExceeded, "message_rate"), (r!.Code, r.Metric)));
        Assert.Null(neighbour);
    }

    [Fact]
    public void Payload_bytes_are_budgeted_apart_from_messages()
    {
        using var rates = new DeviceRates(Options, _clock);

        var first = rates.TrySpend("camera", 3000);
        var second = rates.TrySpend("camera", 3000);
        var larger_than_the_bucket = rates.TrySpend("other", 5000);

        Assert.Null(first);
        Assert.Equal("byte_rate", second?.Metric);
        Assert.Equal("byte_rate", larger_than_the_bucket?.Metric);
    }

    [Fact]
    public void A_spent_budget_refills_at_its_rate_and_never_past_its_burst()
    {
        using var rates = new DeviceRates(Options, _clock);
        for (var i = 0; i < 3; i++)
        {
            rates.TrySpend("sensor", 10);
        }

        var spent = rates.TrySpend("sensor", 10);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var oneSecondLater = rates.TrySpend("sensor", 10);
        var stillEmpty = rates.TrySpend("sensor", 10);
        _clock.Advance(TimeSpan.FromHours(1));
        var afterAnHour = Enumerable.Range(0, 5).Select(_ => rates.TrySpend("sensor", 10)).ToList();

        Assert.Equal("message_rate", spent?.Metric);
        Assert.Null(oneSecondLater);
        Assert.Equal("message_rate", stillEmpty?.Metric);
        Assert.Equal(3, afterAnHour.Count(static r => r is null));
    }

    [Fact]
    public void A_client_that_disconnects_is_forgotten()
    {
        using var rates = new DeviceRates(Options, _clock);
        for (var i = 0; i < 4; i++)
        {
            rates.TrySpend("gone", 1);
        }

        rates.Release("gone");

        Assert.Equal(0, rates.Count);
        Assert.Null(rates.TrySpend("gone", 1));
    }
}
