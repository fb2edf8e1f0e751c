using System.ComponentModel.DataAnnotations;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.ServiceDefaults.Tests;

/// <summary>The set-up every process shares: options checked at start, and OpenTelemetry only where a collector listens.</summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task A_bad_setting_stops_the_start_and_names_itself()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Pump:Rate", "0")]);
        builder.Services.AddValidatedOptions<PumpOptions>("Pump");
        using var host = builder.Build();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(nameof(PumpOptions.Rate), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_collector_no_span_is_made()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults(new ServiceTelemetry { ServiceName = "quiet", Sources = ["Quiet"] });
        using var host = builder.Build();

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void With_a_collector_the_process_is_described_as_its_options_say()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(ServiceDefaultsExtensions.OtlpEndpoint, "http://127.0.0.1:1"), new("Pump:Name", "pump-7")]);
        builder.Services.AddValidatedOptions<PumpOptions>("Pump");
        builder.AddServiceDefaults(new ServiceTelemetry
        {
            ServiceName = "pump",
            ServiceVersion = "2.1",
            InstanceId = static sp => sp.GetRequiredService<IOptions<PumpOptions>>().Value.Name,
            Sources = ["Pump"],
        });
        using var host = builder.Build();

        var attributes = host.Services.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(static a => a.Key, static a => a.Value);

        Assert.Equal("pump", attributes["service.name"]);
        Assert.Equal("2.1", attributes["service.version"]);
        Assert.Equal("pump-7", attributes["service.instance.id"]);
    }

    private sealed class PumpOptions
    {
        [Range(1, 100)]
        public int Rate { get; set; } = 10;

        public string Name { get; set; } = "";
    }
}
