using System.Net.Http.Json;
using IotAi.Grains;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests;

/// <summary>Devices spread over a cluster's silos, sending steadily, and what the cluster kept of what they sent.</summary>
internal sealed class ClusterFleet : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _senders = [];

    private ClusterFleet(IReadOnlyList<ClusterDevice> devices) => Devices = devices;

    public IReadOnlyList<ClusterDevice> Devices { get; }

    /// <summary>Connects <paramref name="count"/> devices, device <c>i</c> to silo <c>i mod 3</c>, and starts them sending.</summary>
    public static async Task<ClusterFleet> StartAsync(ThreeSiloCluster cluster, string prefix, int count)
    {
        var devices = await Task.WhenAll(Enumerable.Range(0, count).Select(i => ClusterDevice.ConnectAsync($"{prefix}-{i:D2}", cluster.MqttPorts, i % cluster.Silos.Count)));
        var fleet = new ClusterFleet(devices);
        fleet._senders.AddRange(devices.Select(d => d.SendAsync(fleet._stop.Token)));
        return fleet;
    }

    /// <summary>Waits until every device has had <paramref name="more"/> readings acknowledged beyond what it had now.</summary>
    public async Task WaitForProgressAsync(int more, string failure, int seconds)
    {
        var from = Devices.ToDictionary(static d => d.Id, static d => d.Acknowledged);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Devices.All(d => d.Acknowledged >= from[d.Id] + more)), failure, seconds);
        }
        catch (Xunit.Sdk.XunitException)
        {
            var stuck = Devices.Where(d => d.Acknowledged < from[d.Id] + more)
                .Select(d => $"{d.Id} on :{d.Port} acknowledged {from[d.Id]}→{d.Acknowledged}, {d.Refusals} refused, {d.Errors.Count} errors, goodbyes [{string.Join("; ", d.Goodbyes)}]");
            throw new Xunit.Sdk.XunitException($"{failure}:{Environment.NewLine}{string.Join(Environment.NewLine, stuck)}");
        }
    }

    /// <summary>Stops sending; each device finishes the reading it is on.</summary>
    public async Task StopSendingAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_senders);
    }

    /// <summary>
    /// Each device's twin, as a silo reads it from the cluster's grain state. A read the silo answers 503 (the grain it
    /// needs is on a silo the cluster has not yet declared gone) is made again at the <c>Retry-After</c> pace the silo
    /// gives, within a minute in all, and counted: the caller asserts how many it tolerates. Any other failure fails at once.
    /// </summary>
    public static async Task<(Dictionary<string, DeviceTwin> Twins, int Unavailable)> TwinsAsync(HttpClient api, IEnumerable<ClusterDevice> devices)
    {
        var twins = new Dictionary<string, DeviceTwin>();
        var unavailable = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var device in devices)
        {
            while (true)
            {
                using var response = await api.GetAsync(new Uri($"/api/devices/{device.Id}", UriKind.Relative), deadline.Token);
                if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } pace)
                {
                    unavailable++;
                    using var poll = new PeriodicTimer(pace);
                    await poll.WaitForNextTickAsync(deadline.Token);
                    continue;
                }

                response.EnsureSuccessStatusCode();
                twins[device.Id] = (await response.Content.ReadFromJsonAsync<DeviceTwin>(deadline.Token))!;
                break;
            }
        }

        return (twins, unavailable);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopSendingAsync();
        }

        foreach (var device in Devices)
        {
            await device.DisposeAsync();
        }

        _stop.Dispose();
    }
}
