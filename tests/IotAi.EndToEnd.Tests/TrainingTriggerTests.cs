using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>The silo retrains by itself once enough new labels have come in.</summary>
public sealed class TrainingTriggerTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-trigger-");

    [Fact]
    public async Task Enough_new_labelled_samples_start_a_run_that_registers_the_better_model()
    {
        await using var silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Learning:Training:CheckInterval"] = "00:00:00.200",
            ["Learning:Training:AfterNewLabels"] = "400",
        });
        var registry = silo.Services.GetRequiredService<ModelRegistry>();

        LabelledReadings.Keep(silo.Services.GetRequiredService<FileSampleStore>(), "sensor-anomaly", "plant-9", 600, drift: 12, seed: 29, DateTimeOffset.UtcNow);

        await Eventually.TrueAsync(() => Task.FromResult(registry.TryFind("sensor-anomaly", "2") is not null), "no run started by itself, or it registered nothing", seconds: 120);
        Assert.Equal("1", registry.Find("sensor-anomaly", "2")!.Manifest.Lineage!.ParentVersion);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
