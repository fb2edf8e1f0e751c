using IotAi.Bench;

namespace IotAi.Bench.Tests;

public sealed class ShippedSettingsTests
{
    [Fact]
    public void The_benchmark_starts_silos_with_the_garbage_collector_settings_the_silo_image_ships_with()
    {
        var dockerfile = File.ReadAllLines(SiloDockerfile());
        var shipped = dockerfile.Where(static line => line.StartsWith("ENV DOTNET_", StringComparison.Ordinal)).Order().ToList();

        Assert.Equal(SiloProcess.ShippedGcSettings.Select(static s => $"ENV {s.Key}={s.Value}").Order(), shipped);
    }

    private static string SiloDockerfile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var file = Path.Combine(directory.FullName, "deploy", "silo", "Dockerfile");
            if (File.Exists(file))
            {
                return file;
            }
        }

        throw new InvalidOperationException($"no deploy/silo/Dockerfile above {AppContext.BaseDirectory}");
    }
}
