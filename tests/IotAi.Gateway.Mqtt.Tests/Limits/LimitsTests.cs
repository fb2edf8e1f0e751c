using System.Diagnostics.Metrics;
using System.Text;
using IotAi.Protocol;
using IotAi.Simulator.Fuzzing;
using IotAi.Tests.Shared;
using MQTTnet;
using MQTTnet.Packets;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

/// <summary>Each limit refuses with its documented reason code, and the devices beside the one refused see no change.</summary>
[Collection(LimitedSiloGroup.Name)]
public sealed class LimitsTests(LimitedSiloFixture silo)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_packet_declaring_more_than_the_limit_is_refused_with_packet_too_large_before_its_body_arrives()
    {
        await using var bystander = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());
        using var raw = await RawMqttConnection.OpenAsync(silo.Host.MqttPort, SourceAddress.Next());
        using var patience = new CancellationTokenSource(Patience);
        await raw.SendAsync(RawMqttConnection.Encode(new MqttConnectPacket { ClientId = $"e2e-{Guid.NewGuid():N}", CleanSession = true }));
        var connAck = await raw.ReadPacketAsync(patience.Token);

        // A PUBLISH header declaring 100 MB, then a few bytes of a body that never comes.
        await raw.SendAsync(new byte[] { 0x30, 0x80, 0xC2, 0xD7, 0x2F, 0x00, 0x01, (byte)'x' });
        var disconnect = await raw.ReadPacketAsync(patience.Token);
        var afterwards = await raw.ReadPacketAsync(patience.Token);

        Assert.Equal((byte)0x20, connAck?.Header);
        Assert.Equal((byte)0xE0, disconnect?.Header);
        Assert.Equal((byte)0x95, disconnect?.Body[0]);
        Assert.Null(afterwards);
        Assert.True((await bystander.SendTelemetryAsync(seq: 1, temperature: 45)).IsSuccess);
        Assert.Equal(1L, (await bystander.NextResultAsync()).Seq);
    }

    [Theory]
    [InlineData("""{"seq":1,"values":{"temperature":""", "invalid JSON")]
    [InlineData("""{"seq":1,"values":{"temperature":45,"vibration":0.3,"current":10},"extra":[[[[[1]]]]]}""", "depth")]
    public async Task Malformed_and_over_deep_telemetry_is_refused_with_payload_format_invalid(string json, string reason)
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());

        var ack = await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Encoding.UTF8.GetBytes(json));
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Equal(ErrorCodes.PayloadInvalid, error.Code);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_over_its_size_limit_is_refused_before_any_grain_reads_it()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());
        var padding = new string('x', LimitedSiloFixture.MaxJsonBytes);

        var ack = await device.PublishAsync(DeviceTopics.Reported(device.Id), Encoding.UTF8.GetBytes($$"""{"note":"{{padding}}"}"""));
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Contains($"at most {LimitedSiloFixture.MaxJsonBytes} are accepted", ack.ReasonString, StringComparison.Ordinal);
        Assert.Equal((ErrorCodes.PayloadInvalid, DeviceTopics.Reported(device.Id)), (error.Code, error.Topic));
    }

    [Fact]
    public async Task A_png_bomb_is_refused_from_its_header()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());

        var ack = await device.PublishAsync(DeviceTopics.Image(device.Id), PngBomb.Of(50_000, 50_000), seq: 1);
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Contains("50000x50000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_of_more_pixels_than_allowed_is_refused_before_it_is_decoded()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());
        using var bitmap = new SKBitmap(2000, 1000);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var ack = await device.PublishAsync(DeviceTopics.Image(device.Id), png.ToArray(), seq: 1);
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Contains($"at most {LimitedSiloFixture.MaxImagePixels} pixels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_over_its_message_rate_gets_quota_exceeded_while_its_neighbour_is_answered()
    {
        await using var noisy = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());
        await using var neighbour = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());

        var noisyAcks = new List<MqttClientPublishResult>();
        var neighbourAcks = new List<MqttClientPublishResult>();
        for (var i = 1; i <= 30; i++)
        {
            noisyAcks.Add(await noisy.SendTelemetryAsync(seq: i, temperature: 45));
            if (i % 10 == 0)
            {
                neighbourAcks.Add(await neighbour.SendTelemetryAsync(seq: i / 10, temperature: 45));
            }
        }

        // The refill (one a second) could let a few more through on a slow machine, never all thirty.
        Assert.Contains(noisyAcks, static a => a.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded);
        Assert.All(noisyAcks, static a => Assert.True(a.IsSuccess || a.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded, $"{a.ReasonCode}"));
        Assert.Contains("messages a second", noisyAcks.First(static a => !a.IsSuccess).ReasonString, StringComparison.Ordinal);
        Assert.All(neighbourAcks, static a => Assert.True(a.IsSuccess, $"{a.ReasonCode}"));
        Assert.Equal([1L, 2L, 3L], [(await neighbour.NextResultAsync()).Seq, (await neighbour.NextResultAsync()).Seq, (await neighbour.NextResultAsync()).Seq]);
    }

    [Fact]
    public async Task Connections_from_one_address_beyond_the_limit_are_refused_while_those_open_keep_working()
    {
        var address = SourceAddress.Next();
        var open = new List<TestDevice>();
        try
        {
            for (var i = 0; i < LimitedSiloFixture.MaxConnectionsPerAddress; i++)
            {
                open.Add(await TestDevice.ConnectAsync(silo.Host.MqttPort, from: address));
            }

            var (extra, refused) = await TestDevice.TryConnectAsync(silo.Host.MqttPort, from: address);
            await extra.DisposeAsync();

            Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, refused.ResultCode);
            Assert.True((await open[0].SendTelemetryAsync(seq: 1, temperature: 45)).IsSuccess);
            Assert.Equal(1L, (await open[0].NextResultAsync()).Seq);
        }
        finally
        {
            foreach (var device in open)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_address_connecting_too_fast_is_refused_with_connection_rate_exceeded()
    {
        var address = SourceAddress.Next();
        var codes = new List<MqttClientConnectResultCode>();
        for (var i = 0; i < 3 * LimitedSiloFixture.ConnectBurstPerAddress; i++)
        {
            var (device, connected) = await TestDevice.TryConnectAsync(silo.Host.MqttPort, from: address);
            codes.Add(connected.ResultCode);
            await device.DisposeAsync();
        }

        Assert.Contains(MqttClientConnectResultCode.ConnectionRateExceeded, codes);
        Assert.All(codes, static c => Assert.Contains(c, new[]
        {
            MqttClientConnectResultCode.Success, MqttClientConnectResultCode.QuotaExceeded, MqttClientConnectResultCode.ConnectionRateExceeded,
        }));
    }

    [Fact]
    public async Task Sockets_that_never_finish_their_CONNECT_are_closed_after_the_connect_timeout_and_counted_while_a_connected_device_stays()
    {
        using var refusals = new ScopedMeasurements(silo.Host.Services.GetRequiredService<IMeterFactory>(), "iotai.mqtt.refusals");
        await using var bystander = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: SourceAddress.Next());
        var silent = new List<RawMqttConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silent.Add(await RawMqttConnection.OpenAsync(silo.Host.MqttPort, SourceAddress.Next()));
            }

            // One that starts a CONNECT and never ends it: a trickle of bytes does not keep it open.
            var connect = RawMqttConnection.Encode(new MqttConnectPacket { ClientId = $"e2e-{Guid.NewGuid():N}", CleanSession = true });
            await silent[0].SendAsync(connect.AsMemory(0, connect.Length - 1));
            var closed = await Task.WhenAll(silent.Select(static s => s.DrainAsync(8 * LimitedSiloFixture.ConnectTimeout)));

            Assert.All(closed, Assert.True);
            await Eventually.TrueAsync(() => Task.FromResult(refusals.Sum("iotai.mqtt.refusals", ("iotai.reason", "connect_timeout")) == silent.Count),
                () => $"{refusals.Sum("iotai.mqtt.refusals", ("iotai.reason", "connect_timeout"))} connect timeouts counted, not {silent.Count}", seconds: 10);
            Assert.True((await bystander.SendTelemetryAsync(seq: 1, temperature: 45)).IsSuccess);
            Assert.Equal(1L, (await bystander.NextResultAsync()).Seq);
        }
        finally
        {
            silent.ForEach(static s => s.Dispose());
        }
    }

    [Fact]
    public async Task An_address_holding_its_limit_of_sockets_without_a_CONNECT_has_more_closed_at_once_and_connects_again_once_they_time_out()
    {
        using var refusals = new ScopedMeasurements(silo.Host.Services.GetRequiredService<IMeterFactory>(), "iotai.mqtt.refusals");
        var address = SourceAddress.Next();
        var silent = new List<RawMqttConnection>();
        try
        {
            for (var i = 0; i < LimitedSiloFixture.MaxPendingConnectionsPerAddress + 2; i++)
            {
                silent.Add(await RawMqttConnection.OpenAsync(silo.Host.MqttPort, address));
            }

            // The two past the limit are closed as soon as they are accepted, long before the others' timeout.
            var overLimit = await Task.WhenAll(silent.TakeLast(2).Select(static s => s.DrainAsync(LimitedSiloFixture.ConnectTimeout / 2)));
            var timedOut = await Task.WhenAll(silent.Take(LimitedSiloFixture.MaxPendingConnectionsPerAddress).Select(static s => s.DrainAsync(8 * LimitedSiloFixture.ConnectTimeout)));
            await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, from: address);

            Assert.All(overLimit, Assert.True);
            Assert.All(timedOut, Assert.True);
            Assert.Equal(2, refusals.Sum("iotai.mqtt.refusals", ("iotai.reason", "pending_per_address")));
            Assert.True((await device.SendTelemetryAsync(seq: 1, temperature: 45)).IsSuccess);
        }
        finally
        {
            silent.ForEach(static s => s.Dispose());
        }
    }
}
