using OpenQA.Selenium.Chrome;

namespace IotAi.Gateway.Http.Tests.Dashboard;

/// <summary>
/// Debian's Chromium, driven headless through its own ChromeDriver. Nothing is downloaded: a machine without the two
/// packages fails the test, saying how to install them, rather than skipping what the dashboard must show.
/// </summary>
internal static class HeadlessChromium
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public static ChromeDriver Start(string profileDirectory)
    {
        Assert.True(File.Exists(Browser) && File.Exists(Driver),
            $"The dashboard test needs Debian's Chromium and ChromeDriver at {Browser} and {Driver}: run `apt-get install -y chromium chromium-driver` (as .ci/run does).");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        // Headless and unsandboxed: CI runs as root in a container, where Chromium's sandbox cannot start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
            $"--user-data-dir={profileDirectory}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
