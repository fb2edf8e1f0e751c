using System.Buffers;
using System.Text.Json;
using IotAi.Grains;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Xunit.Abstractions;

namespace IotAi.Gateway.Mqtt.Tests.Sessions;

/// <summary>
/// A device that connects again under its own id while the silo still has its first connection, closing or not,
/// ends up connected, subscribed and known to its grain as connected: every time, over a thousand tries of the race.
/// </summary>
public sealed class TakeoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 1000;

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-takeover-");
    private GatewayHost _silo = null!;

    /// <summary>How the first connection is ending when the second one arrives.</summary>
    private enum Ending
    {
        /// <summary>Its socket closed with no DISCONNECT, as when power fails.</summary>
        Dropped,

        /// <summary>It said DISCONNECT, and the silo is still closing it.</summary>
        Left,

        /// <summary>It is still open: the second connection takes its session over.</summary>
        StillOpen,
    }

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        // A thousand reconnects from one address in a few seconds is this test's point, not a flood.
        ["Mqtt:Limits:ConnectsPerSecondPerAddress"] = "100000",
        ["Mqtt:Limits:ConnectBurstPerAddress"] = "100000",
    });

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task A_device_reconnecting_while_its_old_connection_closes_ends_connected_and_subscribed_every_time()
    {
        var id = $"takeover-{Guid.NewGuid():N}"[..24];
        var grain = _silo.Grains.GetGrain<IDeviceGrain>(id);
        var device = await TestDevice.ConnectAsync(_silo.MqttPort, id);
        var leavesCut = 0;
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                var ending = (Ending)(round % 3);
                var closing = ending switch
                {
                    Ending.Dropped => Drop(device),
                    Ending.Left => LeaveAsync(device),
                    _ => Task.FromResult(false),
                };
                var again = await TestDevice.ConnectAsync(_silo.MqttPort, id);
                leavesCut += await closing ? 1 : 0;
                await device.DisposeAsync();
                device = again;

                // Connected: an uplink is answered. Subscribed and known to its grain: a push reaches it.
                var ack = await device.SendTelemetryAsync(seq: round, temperature: 45);
                await grain.SetDesiredAsync(new Dictionary<string, string> { ["round"] = $"{round}" });
                var (answered, pushed) = await ReadUntilAnsweredAndPushedAsync(device, round);

                Assert.True(ack.IsSuccess, $"round {round} ({ending}): the uplink was refused with {ack.ReasonCode}");
                Assert.True(answered && pushed, $"round {round} ({ending}): answered {answered}, pushed to {pushed}");
            }

            output.WriteLine($"{Rounds} reconnects under one id, each ending its old connection one of three ways, each answered and pushed to; " +
                $"{leavesCut} of the {Rounds / 3} DISCONNECTs cut short by the takeover");
            // A DISCONNECT still being written when the new connection takes over meets a closed socket: the race this
            // test runs, not a failure. The DISCONNECT goes out before the new CONNECT does, so the takeover wins it
            // rarely (0 or 1 in 333 here); at most one leave in ten, or the old connection is being closed early.
            Assert.True(leavesCut <= Rounds / 30, $"{leavesCut} of {Rounds / 3} DISCONNECTs were cut short by the takeover");
        }
        finally
        {
            await device.DisposeAsync();
        }
    }

    /// <summary>
    /// Reads the device's downlink until this round's answer and push both came, or nothing more comes for the
    /// device's patience; a push from an earlier round, repeated when the device subscribed, is passed over.
    /// </summary>
    private static async Task<(bool Answered, bool Pushed)> ReadUntilAnsweredAndPushedAsync(TestDevice device, int round)
    {
        var (answered, pushed) = (false, false);
        try
        {
            while (!(answered && pushed))
            {
                var message = await device.NextAsync();
                var payload = message.Payload.ToArray();
                if (message.Topic == DeviceTopics.Result(device.Id))
                {
                    answered |= JsonSerializer.Deserialize(payload, ProtocolJson.Default.InferenceResult)?.Seq == round;
                }
                else if (message.Topic == DeviceTopics.Desired(device.Id))
                {
                    pushed |= JsonSerializer.Deserialize(payload, ProtocolJson.Default.DesiredProperties)?.Desired.GetValueOrDefault("round") == $"{round}";
                }
            }
        }
        catch (TimeoutException)
        {
            // Nothing more came: what arrived is the answer.
        }

        return (answered, pushed);
    }

    private static Task<bool> Drop(TestDevice device)
    {
        device.Drop();
        return Task.FromResult(false);
    }

    /// <summary>Says DISCONNECT; true if the socket was closed under it first (by the takeover racing it).</summary>
    private static async Task<bool> LeaveAsync(TestDevice device)
    {
        try
        {
            await device.LeaveAsync();
            return false;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return true;
        }
    }
}
