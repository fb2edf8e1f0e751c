using System.Net;
using IotAi.Gateway.Mqtt.Limits;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

public sealed class AddressLimitsTests
{
    private static readonly IPAddress Site = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.20");

    private static readonly MqttLimitsOptions Options = new()
    {
        MaxConnectionsPerAddress = 2,
        ConnectsPerSecondPerAddress = 1,
        ConnectBurstPerAddress = 3,
    };

    [Fact]
    public void Connections_beyond_the_limit_are_refused_with_quota_exceeded_and_another_address_is_not()
    {
        using var limits = new AddressLimits(Options, new FakeTimeProvider());

        var verdicts = Enumerable.Range(0, 3).Select(_ => Open(limits, Site)).ToList();

        Assert.Equal([null, null], verdicts.Take(2).Select(static v => v?.Code));
        Assert.Equal(MqttConnectReasonCode.QuotaExceeded, verdicts[2]?.Code);
        Assert.Null(Open(limits, Other));
    }

    [Fact]
    public void An_address_connecting_faster_than_its_rate_is_refused_with_connection_rate_exceeded()
    {
        using var limits = new AddressLimits(Options, new FakeTimeProvider());

        var verdicts = Enumerable.Range(0, 4).Select(_ =>
        {
            var verdict = Open(limits, Site);
            limits.Close(Site);
            return verdict?.Code;
        }).ToList();

        Assert.Equal([null, null, null, MqttConnectReasonCode.ConnectionRateExceeded], verdicts);
    }

    [Fact]
    public void Sockets_far_past_the_limit_are_not_even_accepted_and_closing_frees_them()
    {
        using var limits = new AddressLimits(Options, new FakeTimeProvider());

        var verdicts = Enumerable.Range(0, 5).Select(_ => Connected(limits, Site)).ToList();
        limits.Close(Site);

        Assert.Equal([null, null, null, null, "connections_per_address"], verdicts);
        Assert.Null(limits.TryOpen(Site));
    }

    [Fact]
    public void Sockets_that_have_not_connected_are_capped_apart_and_a_CONNECT_or_a_close_frees_their_place()
    {
        using var limits = new AddressLimits(new MqttLimitsOptions { MaxConnectionsPerAddress = 100, MaxPendingConnectionsPerAddress = 3 }, new FakeTimeProvider());

        var verdicts = Enumerable.Range(0, 4).Select(_ => limits.TryOpen(Site)).ToList();
        limits.ConnectReceived(Site);
        var afterConnect = limits.TryOpen(Site);
        limits.Close(Site, pending: true);
        var afterClose = limits.TryOpen(Site);

        Assert.Equal([null, null, null, "pending_per_address"], verdicts);
        Assert.Null(afterConnect);
        Assert.Null(afterClose);
        Assert.Equal("pending_per_address", limits.TryOpen(Site));
        Assert.Null(limits.TryOpen(Other));
    }

    [Fact]
    public void An_address_holding_nothing_is_forgotten_at_the_next_sweep_but_one_holding_a_socket_is_kept()
    {
        var clock = new FakeTimeProvider();
        using var limits = new AddressLimits(Options, clock);
        limits.TryOpen(Site);
        limits.TryOpen(Other);
        limits.Close(Other);

        clock.Advance(AddressLimits.SweepEvery);

        Assert.Equal(1, limits.Count);
    }

    private static LimitRefusal<MqttConnectReasonCode>? Open(AddressLimits limits, IPAddress address)
    {
        Assert.Null(Connected(limits, address));
        return limits.CheckConnect(address);
    }

    /// <summary>A socket accepted and past its CONNECT; null, or why it was not accepted.</summary>
    private static string? Connected(AddressLimits limits, IPAddress address)
    {
        var refusal = limits.TryOpen(address);
        if (refusal is null)
        {
            limits.ConnectReceived(address);
        }

        return refusal;
    }
}
