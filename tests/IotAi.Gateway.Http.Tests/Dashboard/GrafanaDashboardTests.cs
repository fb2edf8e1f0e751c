using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using IotAi.Grains.Rollouts;
using IotAi.Learning;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Gateway.Http.Tests.Dashboard;

/// <summary>
/// The Grafana dashboard in deploy/grafana asks only for series a silo really exposes, and the silo's own dashboard
/// summary answers viewers only: both checked against a running silo after traffic.
/// </summary>
public sealed partial class GrafanaDashboardTests : IAsyncLifetime
{
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "le",
    };

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"iotai-grafana-{Guid.NewGuid():N}");
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_dataDirectory);

    [Fact]
    public async Task Every_query_of_the_Grafana_dashboard_names_metrics_the_silo_exposes()
    {
        var id = $"grafana-{Guid.NewGuid():N}";
        await using (var device = await TestDevice.ConnectAsync(_silo.MqttPort, id))
        {
            // A reading whose truth the device knew, so answers are graded.
            await device.PublishAsync(DeviceTopics.Telemetry(id), """{"seq":1,"values":{"temperature":42,"vibration":0.3,"current":10},"label":"normal"}"""u8.ToArray());
            await device.NextResultAsync();
            // A subscription to another device's downlink is refused, so the refusals counter has a series.
            await device.SubscribeAsync(DeviceTopics.DownlinkFilter($"someone-else-{Guid.NewGuid():N}"));
        }

        // A rollout, so its gauges have series.
        await _silo.Grains.GetGrain<IRolloutGrain>($"grafana-{Guid.NewGuid():N}").StartAsync(
            new RolloutPlan("sensor-anomaly", "1", new RolloutTarget([id]), [new RolloutStage("all", 100)], RolloutGates.Default));

        // Drift needs two full windows of answers; feeding the silo's own watch stands in for a few thousand uplinks.
        var drift = _silo.Services.GetRequiredService<ConfidenceDrift>();
        for (var i = 0; i < 2 * drift.WindowSize; i++)
        {
            drift.Observe("grafana-check", "1", i < drift.WindowSize ? 0.9 : 0.4);
        }

        var exposed = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.TrueAsync(async () =>
        {
            exposed = Names(await _silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return exposed.Contains("iotai_mqtt_refusals_total") && exposed.Contains("iotai_learning_drift_psi") && exposed.Contains("iotai_rollout_devices");
        }, "the silo's /metrics never showed its refusals, drift and rollout", seconds: 30);

        var queries = Expressions(JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Dashboard", "iotai-dashboard.json"))).RootElement).ToList();
        Assert.NotEmpty(queries);
        foreach (var query in queries)
        {
            var names = MetricNames(query).ToList();
            Assert.True(names.Count > 0, $"the query '{query}' names no metric");
            Assert.All(names, name => Assert.True(exposed.Contains(name), $"the query '{query}' asks for '{name}', which the silo does not expose"));
        }
    }

    [Fact]
    public async Task The_page_is_open_to_anyone_but_its_figures_need_a_viewer()
    {
        using var anonymous = _silo.Connect(apiKey: null);
        var page = await anonymous.GetAsync(new Uri("/dashboard", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("fleet-connected", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri("/dashboard/secrets.json", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/dashboard/summary", UriKind.Relative))).StatusCode);

        using var summary = JsonDocument.Parse(await _silo.Http.GetStringAsync(new Uri("/api/dashboard/summary", UriKind.Relative)));
        var models = summary.RootElement.GetProperty("models").EnumerateArray().ToDictionary(static m => m.GetProperty("name").GetString()!);
        Assert.Equal("1", models["sensor-anomaly"].GetProperty("activeVersion").GetString());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>The names of the series in a Prometheus scrape: each sample line's name, before its labels or value.</summary>
    private static HashSet<string> Names(string scrape) =>
        [.. scrape.Split('\n').Where(static l => l.Length > 0 && l[0] != '#').Select(static l => l.Split('{', ' ')[0])];

    private static IEnumerable<string> Expressions(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(static p =>
            p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Expressions(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Expressions),
        _ => [],
    };

    /// <summary>The metric names in a PromQL expression: identifiers outside label matchers, ranges and grouping clauses, that are not functions.</summary>
    private static IEnumerable<string> MetricNames(string query)
    {
        var bare = Grouping().Replace(Brackets().Replace(query, " "), " ");
        return Identifiers().Matches(bare).Where(static m => !PromQlWords.Contains(m.Groups[1].Value)).Select(static m => m.Groups[1].Value);
    }

    [GeneratedRegex(@"\{[^}]*\}|\[[^\]]*\]|""[^""]*""")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")]
    private static partial Regex Identifiers();
}
