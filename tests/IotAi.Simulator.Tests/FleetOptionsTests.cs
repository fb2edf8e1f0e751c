namespace IotAi.Simulator.Tests;

public sealed class FleetOptionsTests
{
    [Fact]
    public void Device_ids_are_the_prefix_and_a_four_digit_index()
    {
        var options = new FleetOptions { DevicePrefix = "line3" };

        Assert.Equal("line3-0000", options.DeviceId(0));
        Assert.Equal("line3-0042", options.DeviceId(42));
        Assert.Equal("line3-12345", options.DeviceId(12345));
    }

    [Fact]
    public void The_defaults_are_valid() => new FleetOptions().Validate();

    [Theory]
    [InlineData(nameof(FleetOptions.Devices))]
    [InlineData(nameof(FleetOptions.Port))]
    [InlineData(nameof(FleetOptions.ImageEvery))]
    [InlineData(nameof(FleetOptions.MaxInFlightPerDevice))]
    [InlineData(nameof(FleetOptions.TelemetryInterval))]
    [InlineData(nameof(FleetOptions.AnomalyRate))]
    [InlineData(nameof(FleetOptions.Duration))]
    [InlineData(nameof(FleetOptions.MessagesPerDevice))]
    [InlineData(nameof(FleetOptions.DevicePrefix))]
    public void Settings_that_cannot_run_are_refused_before_connecting(string setting)
    {
        var options = new FleetOptions();
        switch (setting)
        {
            case nameof(FleetOptions.Devices): options.Devices = 0; break;
            case nameof(FleetOptions.Port): options.Port = 70000; break;
            case nameof(FleetOptions.ImageEvery): options.ImageEvery = -1; break;
            case nameof(FleetOptions.MaxInFlightPerDevice): options.MaxInFlightPerDevice = 0; break;
            case nameof(FleetOptions.TelemetryInterval): options.TelemetryInterval = TimeSpan.Zero; break;
            case nameof(FleetOptions.AnomalyRate): options.AnomalyRate = 1.5; break;
            case nameof(FleetOptions.Duration): options.Duration = TimeSpan.Zero; break;
            case nameof(FleetOptions.MessagesPerDevice): options.MessagesPerDevice = 0; break;
            case nameof(FleetOptions.DevicePrefix): options.DevicePrefix = "bad/prefix"; break;
        }

        Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.ThrowsAny<ArgumentException>(() => new Fleet(options));
    }
}
