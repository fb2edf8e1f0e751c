using System.Net;

namespace IotAi.Gateway.Http.Tests.Probes;

/// <summary>With <c>Gateway:MetricsPort</c> set, Prometheus scrapes a port of its own, and the API's port no longer serves it.</summary>
public sealed class MetricsPortTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-metrics-port-");
    private readonly int _metricsPort = FreePort.Next();
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?> { ["Gateway:MetricsPort"] = _metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task Metrics_are_served_on_the_metrics_port_alone_while_the_probes_stay_on_the_api_port()
    {
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_metricsPort}") };
        using var anonymous = new HttpClient { BaseAddress = _silo.Http.BaseAddress };

        var scrape = await scraper.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("iotai_", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // On the API's port the route does not match, so nothing is scraped there (the API's own authentication answers).
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
    }
}
