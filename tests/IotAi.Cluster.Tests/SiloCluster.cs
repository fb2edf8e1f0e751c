using IotAi.Cluster.Tests.Servers;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests;

/// <summary>
/// Silos on one machine as a production cluster (three unless a test asks otherwise): Redis membership, grain state in PostgreSQL, one shared data
/// directory (the volume every pod mounts), and failure detection tuned so a dead silo is voted out in seconds.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private readonly RedisServer _redis;
    private readonly PostgresServer _postgres;

    private SiloCluster(RedisServer redis, PostgresServer postgres, DirectoryInfo data, IReadOnlyList<SiloNode> silos) =>
        (_redis, _postgres, Data, Silos) = (redis, postgres, data, silos);

    public DirectoryInfo Data { get; }

    public IReadOnlyList<SiloNode> Silos { get; }

    /// <summary>The MQTT ports of every silo: what a load balancer in front of them would spread devices over.</summary>
    public IReadOnlyList<int> MqttPorts => [.. Silos.Select(static s => s.MqttPort)];

    /// <summary>
    /// Three silos; the third writes grain state through Orleans' own ADO.NET provider, the others in batches, so every
    /// device that moves between them proves each reads the rows the other wrote.
    /// </summary>
    public static Task<SiloCluster> StartAsync() => StartAsync(3, static i => i == 2 ? ["--Storage:BatchWrites=false"] : []);

    /// <summary>A cluster of <paramref name="count"/> silos, silo <c>i</c> with <paramref name="settingsOf"/>(i) on top of the cluster's settings.</summary>
    public static async Task<SiloCluster> StartAsync(int count, Func<int, IEnumerable<string>> settingsOf)
    {
        var redis = await RedisServer.StartAsync();
        var postgres = await PostgresServer.StartAsync();
        var data = Directory.CreateTempSubdirectory("iotai-cluster-");
        string[] settings =
        [
            "--Cluster:Membership=Redis", $"--Cluster:Redis={redis.ConnectionString}", "--Cluster:AdvertisedAddress=127.0.0.1",
            $"--Cluster:ClusterId=test-{Guid.NewGuid():N}", "--Cluster:ProbeTimeout=00:00:03", "--Cluster:MissedProbesLimit=2",
            "--Storage:Provider=AdoNet", $"--Storage:ConnectionString={postgres.ConnectionString()}",
            $"--Gateway:DataDirectory={data.FullName}", "--Gateway:ShutdownTimeout=00:00:20",
            "--Mqtt:Authentication:Mode=None", "--Mqtt:Tls:Enabled=false", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:IotAi=Information",
        ];
        var logs = data.CreateSubdirectory("logs").FullName;
        var silos = Enumerable.Range(0, count).Select(i => new SiloNode($"silo-{i}", [.. settings, .. settingsOf(i)], logs)).ToList();
        var cluster = new SiloCluster(redis, postgres, data, silos);
        try
        {
            // The first silo installs the shipped models and makes the keys in the shared directory; the others find them there.
            await cluster.StartAsync(0);
            await Task.WhenAll(Enumerable.Range(1, count - 1).Select(cluster.StartAsync));
            return cluster;
        }
        catch
        {
            // Nothing of a cluster that did not come up may outlive the test.
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts silo <paramref name="index"/> (again) and waits until it is ready.</summary>
    public async Task StartAsync(int index)
    {
        var silo = Silos[index];
        bool first;
        lock (_started)
        {
            first = !_started.Contains(index);
        }

        for (var attempt = 1; ; attempt++)
        {
            silo.Start();
            try
            {
                await Eventually.TrueAsync(silo.IsReadyAsync, $"{silo.Name} was not ready in time", seconds: 90);
                lock (_started)
                {
                    _started.Add(index);
                }

                return;
            }
            catch (InvalidOperationException) when (first && attempt < 3 && LocalServer.Tail(silo.Log).Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // A port chosen free was taken before the silo bound it: a first start tries again on new ones.
                silo.ChoosePorts();
            }
            catch (Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{silo.Name} was not ready in time:{Environment.NewLine}{LocalServer.Tail(silo.Log)}");
            }
        }
    }

    private readonly HashSet<int> _started = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        await _postgres.DisposeAsync();
        await _redis.DisposeAsync();
        // IOTAI_KEEP_CLUSTER_LOGS names a folder to keep the silos' logs in, to see what a failed run did.
        if (Environment.GetEnvironmentVariable("IOTAI_KEEP_CLUSTER_LOGS") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            foreach (var log in Directory.GetFiles(Path.Combine(Data.FullName, "logs")))
            {
                File.Copy(log, Path.Combine(keep, Path.GetFileName(log)), overwrite: true);
            }
        }

        Data.Delete(recursive: true);
    }
}
