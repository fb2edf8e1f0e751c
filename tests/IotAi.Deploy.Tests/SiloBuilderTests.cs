using IotAi.Silo;
using Microsoft.Extensions.Configuration;

namespace IotAi.Deploy.Tests;

/// <summary>How the silo's host reads its settings files.</summary>
public sealed class SiloBuilderTests
{
    [Fact]
    public void The_silo_reads_its_settings_files_at_start_and_watches_no_folder()
    {
        // Watching appsettings.json watches the whole content root, where the default data directory lies.
        var files = SiloHostingExtensions.CreateBuilder([]).Configuration.Sources.OfType<FileConfigurationSource>().ToList();
        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.False(file.ReloadOnChange, $"{file.Path} is watched"));

        // An operator who wants settings reloaded as the files change still can.
        var watched = SiloHostingExtensions.CreateBuilder(["--hostBuilder:reloadConfigOnChange=true"]).Configuration.Sources.OfType<FileConfigurationSource>();
        Assert.Contains(watched, file => file.ReloadOnChange);
    }
}
