namespace IotAi.Tests.Shared;

/// <summary>
/// A lone silo in a process of its own (a <see cref="SiloNode"/>) on a data directory and cluster id of its own,
/// logging warnings and up, started and ready; disposing it stops the process and deletes the directory.
/// </summary>
internal sealed class LoneSilo : IAsyncDisposable
{
    private LoneSilo(DirectoryInfo data, SiloNode node) => (Data, Node) = (data, node);

    public DirectoryInfo Data { get; }

    public SiloNode Node { get; }

    /// <param name="name">Names the process's log, data directory and cluster.</param>
    /// <param name="settings">Settings beyond the data directory, the cluster id and the log level.</param>
    public static async Task<LoneSilo> StartAsync(string name, IEnumerable<string> settings)
    {
        var data = Directory.CreateTempSubdirectory($"iotai-{name}-");
        var node = new SiloNode(name,
            [$"--Gateway:DataDirectory={data.FullName}", $"--Cluster:ClusterId={name}-{Guid.NewGuid():N}", "--Logging:LogLevel:Default=Warning", .. settings],
            data.CreateSubdirectory("logs").FullName);
        var silo = new LoneSilo(data, node);
        try
        {
            node.Start();
            await Eventually.TrueAsync(node.IsReadyAsync, "the silo did not become ready", seconds: 120);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Data.Delete(recursive: true);
    }
}
