using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;
using Xunit.Abstractions;

namespace IotAi.Deploy.Tests;

/// <summary>The deployment contract's settings that the silo's code does not read yet, kept honest in both directions.</summary>
public sealed class SettingsTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_setting_still_pending_in_code_is_one_production_gives_the_silo()
    {
        var set = Rendering.Load("overlays/prod");
        var settings = set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container);

        Assert.All(SettingsChecks.Pending, key => Assert.True(settings.ContainsKey(key), $"{key} is listed as pending but no manifest sets it"));
        output.WriteLine("Settings the silo's code must still implement: " + string.Join(", ", SettingsChecks.Pending.Order(StringComparer.Ordinal)));
    }
}
