using IotAi.Cli.Bench;
using IotAi.Cli.Tests.Deploy;

namespace IotAi.Cli.Tests.Bench;

public sealed class ShippedSettingsTests
{
    [Fact]
    public void The_benchmark_starts_silos_with_the_gen0_budget_the_silo_image_ships_with()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(TestManifests.Repository, "..", "silo", "Dockerfile"));

        Assert.Contains($"ENV {SiloProcess.Gen0SizeVariable}={SiloProcess.ShippedGen0Size}", dockerfile);
    }
}
