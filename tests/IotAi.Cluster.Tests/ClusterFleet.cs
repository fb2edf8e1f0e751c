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
    public static Task<ClusterFleet> StartAsync(SiloCluster cluster, string prefix, int count) => StartAsync(cluster.MqttPorts, prefix, count);

    /// <summary>Connects <paramref name="count"/> devices, device <c>i</c> to port <c>i mod</c> the ports' count, and starts them sending a reading every <paramref name="interval"/> (20 ms).</summary>
    public static async Task<ClusterFleet> StartAsync(IReadOnlyList<int> ports, string prefix, int count, TimeSpan? interval = null)
    {
        var devices = await Task.WhenAll(Enumerable.Range(0, count).Select(i => ClusterDevice.ConnectAsync($"{prefix}-{i:D2}", ports, i % ports.Count)));
        var fleet = new ClusterFleet(devices);
        fleet._senders.AddRange(devices.Select(d => d.SendAsync(fleet._stop.Token, interval)));
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

    /// <summary>
    /// Every reading a silo acknowledged is in its device's twin, counted once, as any silo reads the twin back from
    /// PostgreSQL; and the cloud answered every one of them but, at most, those the twin counted as repeats and one per
    /// connection the device lost. A reading whose acknowledgement was lost (with a connection, or a silo that stopped
    /// mid-call) is sent again, and a repeat is acknowledged without a second answer, as the protocol says; an answer
    /// still queued for a connection that closes goes with it.
    /// </summary>
    public async Task AssertNothingAcknowledgedWasLostAsync(SiloNode reader, string dataDirectory)
    {
        using var api = reader.Api(dataDirectory);
        var (twins, unavailable) = await TwinsAsync(api, Devices);
        // Right after a kill, the reader may need a few seconds to hear the silo is gone: a read or two per device may
        // be answered 503 and made again; not more.
        Assert.InRange(unavailable, 0, 2 * Devices.Count);
        Assert.All(Devices, d =>
        {
            // The twin may also hold the reading that was on its way when sending stopped (kept, its PUBACK lost with the
            // connection), but never fewer than were acknowledged, and each reading once.
            var twin = twins[d.Id];
            Assert.InRange(twin.HighestSeq, d.Acknowledged, d.Acknowledged + 1);
            Assert.Equal(twin.HighestSeq, twin.Counters.Telemetry);
        });
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Devices.All(d => d.Acknowledged - d.Results.Count <= twins[d.Id].Counters.Duplicates + d.Goodbyes.Count)),
                "acknowledged readings were not answered", seconds: 30);
        }
        catch (Xunit.Sdk.XunitException)
        {
            var unanswered = Devices.Where(d => d.Acknowledged - d.Results.Count > twins[d.Id].Counters.Duplicates + d.Goodbyes.Count)
                .Select(d => $"{d.Id}: {d.Acknowledged} acknowledged, {d.Results.Count} answered, {twins[d.Id].Counters.Duplicates} repeats, {d.Goodbyes.Count} connections lost, missing [{string.Join(", ", Enumerable.Range(1, (int)d.Acknowledged).Where(n => !d.Results.ContainsKey(n)))}]");
            throw new Xunit.Sdk.XunitException($"acknowledged readings were not answered:{Environment.NewLine}{string.Join(Environment.NewLine, unanswered)}");
        }
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
