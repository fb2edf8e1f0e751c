using System.Text;
using IotAi.Grains.Devices;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;

namespace IotAi.Grains.Tests;

/// <summary>The device grain's parts on their own, on a twin in memory: no silo, no storage, no grain calls.</summary>
public sealed class DevicePartsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly InMemoryTwin _state = new();
    private readonly DeviceActivation _device;
    private readonly TwinKeeper _twin;

    public DevicePartsTests()
    {
        var telemetry = new DeviceTelemetry(_services.GetRequiredService<IMeterFactory>());
        _device = new DeviceActivation("parts-1", _state, grains: null!, TimeProvider.System, NullLogger.Instance);
        _twin = new TwinKeeper(_device, new FleetCount(_device, telemetry), telemetry);
    }

    [Fact]
    public void A_sequence_number_is_a_repeat_only_once_handled_and_each_repeat_is_counted()
    {
        Assert.False(_twin.IsRepeat(7));
        Assert.False(_twin.IsRepeat(7));
        _twin.Handled(7);
        _twin.Handled(5);

        Assert.True(_twin.IsRepeat(7));
        Assert.True(_twin.IsRepeat(5));
        Assert.False(_twin.IsRepeat(6));
        Assert.Equal(2, _device.State.Counters.Duplicates);
        Assert.Equal(7, _device.State.Sequence.Highest);
    }

    [Fact]
    public void Reported_properties_past_the_bound_are_refused_whole_and_counted()
    {
        var many = string.Join(',', Enumerable.Range(0, ReportedProperties.MaxProperties + 1).Select(i => $"\"p{i}\":\"v\""));

        var reply = _twin.MergeReported(Encoding.UTF8.GetBytes($"{{{many}}}"), "devices/parts-1/up/twin/reported");

        Assert.Equal(UplinkOutcome.PayloadInvalid, reply.Outcome);
        Assert.Equal(DownlinkKind.Error, reply.Reply!.Kind);
        Assert.Empty(_device.State.Reported);
        Assert.Equal(1, _device.State.Counters.Rejected);
        Assert.Equal(UplinkOutcome.Accepted, _twin.MergeReported("""{"firmware":"1.2"}"""u8.ToArray(), "devices/parts-1/up/twin/reported").Outcome);
        Assert.Equal("1.2", _device.State.Reported["firmware"]);
    }

    [Fact]
    public async Task A_downlink_whose_silo_is_gone_is_forgotten_and_the_twin_written()
    {
        _device.State.Downlink = new VanishedDownlink();
        _twin.MergeDesired(new Dictionary<string, string> { ["interval"] = "5s" });

        await _twin.PushDesiredAsync();

        Assert.Null(_device.State.Downlink);
        Assert.Equal(1, _state.Writes);
    }

    public void Dispose() => _services.Dispose();
}
