using IotAi.Gateway.Http.Security;
using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace IotAi.Gateway.Http.Tests.Dashboard;

/// <summary>The ops dashboard as an operator sees it: a real headless Chromium against a running silo with devices sending.</summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private const int FleetSize = 3;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"iotai-dash-{Guid.NewGuid():N}");
    private readonly List<TestDevice> _devices = [];
    private readonly List<CloudServedDevice> _cloudServed = [];
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_dataDirectory);

    [Fact]
    public async Task The_page_shows_the_live_fleet_size_and_the_sensor_models_active_version()
    {
        for (var i = 0; i < FleetSize; i++)
        {
            var device = await TestDevice.ConnectAsync(_silo.MqttPort, $"dash-{i}-{Guid.NewGuid():N}");
            _devices.Add(device);
            for (var seq = 1; seq <= 5; seq++)
            {
                await device.SendTelemetryAsync(seq, 40 + seq);
            }
        }

        var adminKey = (await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "keys", ApiKeyStore.AdminKeyFileName))).Trim();
        using var browser = HeadlessChromium.Start(Path.Combine(_dataDirectory, "chromium"));
        // The key rides in the fragment, which the browser never sends: it reaches no server log.
        browser.Navigate().GoToUrl(new Uri(_silo.BaseAddress, $"/dashboard#key={Uri.EscapeDataString(adminKey)}"));

        await Eventually.TrueAsync(() => Task.FromResult(Text(browser, "#fleet-connected") == $"{FleetSize}"),
            $"the dashboard never showed {FleetSize} devices connected; it showed '{Text(browser, "#fleet-connected")}' ({Text(browser, "#status")})", seconds: 60);
        await Eventually.TrueAsync(() => Task.FromResult(Text(browser, "tr[data-model='sensor-anomaly'] .active-version") == "1"),
            "the dashboard never showed the sensor model's active version 1", seconds: 30);
        Assert.DoesNotContain(adminKey, browser.Url, StringComparison.Ordinal);

        // Live: a device leaving shows without reloading the page.
        await _devices[^1].DisposeAsync();
        _devices.RemoveAt(_devices.Count - 1);
        await Eventually.TrueAsync(() => Task.FromResult(Text(browser, "#fleet-connected") == $"{FleetSize - 1}"),
            "the dashboard did not follow a device disconnecting", seconds: 60);
    }

    [Fact]
    public async Task During_a_rollout_to_devices_the_cloud_serves_the_page_shows_each_versions_live_accuracy_and_the_live_trial()
    {
        var registry = _silo.Services.GetRequiredService<ModelRegistry>();
        var v1 = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(v1.Manifest with { Version = "2" }, CollapsedSensorModel.Train(), _silo.Services.GetRequiredService<ModelKeyring>().Signer));
        for (var i = 0; i < 4; i++)
        {
            _cloudServed.Add(await CloudServedDevice.StartAsync(_silo, $"dash-cloud-{i}", seed: 80 + i, truth: true));
        }

        await Task.WhenAll(_cloudServed.Select(static d => Eventually.TrueAsync(() => Task.FromResult(!d.Answered.IsEmpty), $"{d.Id} was not answered")));
        await _silo.Grains.GetGrain<IRolloutGrain>("dash-live").StartAsync(new RolloutPlan("sensor-anomaly", "2", new RolloutTarget(),
            [new RolloutStage("canary", 50), new RolloutStage("all", 100)], RolloutGates.Default with { Quality = QualityGates.Default with { MinSamples = 40 } }));

        var adminKey = (await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "keys", ApiKeyStore.AdminKeyFileName))).Trim();
        using var browser = HeadlessChromium.Start(Path.Combine(_dataDirectory, "chromium"));
        browser.Navigate().GoToUrl(new Uri(_silo.BaseAddress, $"/dashboard#key={Uri.EscapeDataString(adminKey)}"));

        // Both versions graded on the same traffic, and the trial's verdict with its figures.
        await Eventually.TrueAsync(() => Task.FromResult(Text(browser, "tr[data-model='sensor-anomaly'] .live-accuracy") is var live
                && live.Contains("v1 ", StringComparison.Ordinal) && live.Contains("v2 ", StringComparison.Ordinal)),
            $"the model row never showed both versions' live accuracy; it showed '{Text(browser, "tr[data-model='sensor-anomaly'] .live-accuracy")}'", seconds: 60);
        await Eventually.TrueAsync(() => Task.FromResult(Text(browser, "#rollouts .live-trial") is var trial
                && trial.Contains("uplinks", StringComparison.Ordinal) && trial.Contains("Failed: on", StringComparison.Ordinal)),
            $"the rollout row never showed the live trial's figures and verdict; it showed '{Text(browser, "#rollouts .live-trial")}'", seconds: 60);
    }

    public async Task DisposeAsync()
    {
        foreach (var device in _cloudServed)
        {
            await device.DisposeAsync();
        }

        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        await _silo.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>
    /// The text of the element <paramref name="css"/> selects, read in one script call: the page rebuilds its tables on
    /// every poll, so an element found by one WebDriver call can be gone by the next.
    /// </summary>
    private static string Text(OpenQA.Selenium.Chrome.ChromeDriver browser, string css) =>
        browser.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';", css) as string ?? "";
}
