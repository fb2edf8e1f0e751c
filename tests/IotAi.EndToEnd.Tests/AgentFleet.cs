using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>Real edge agents on loopback, one per id, trusting the silo's signing key, sharing one temporary data directory.</summary>
internal sealed class AgentFleet : IAsyncDisposable
{
    private static readonly ParallelOptions Sixteen = new() { MaxDegreeOfParallelism = 16 };
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-fleet-");
    private readonly List<EdgeAgentHost> _agents = [];

    private AgentFleet()
    {
    }

    /// <summary>
    /// A small device's terms: it takes packets of 4 KiB at most and two unacknowledged messages at a time, so the
    /// gateway must cut its model chunks to fit and hold back what its receive window has no room for.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SmallDevice { get; } = new Dictionary<string, string?>
    {
        ["MaximumPacketSize"] = "4096",
        ["ReceiveMaximum"] = "2",
    };

    public IReadOnlyList<EdgeAgentHost> Agents => _agents;

    /// <summary>Starts an agent for each of <paramref name="deviceIds"/>, with <c>Edge:</c> <paramref name="settings"/> on top of <see cref="EdgeAgentHost"/>'s.</summary>
    public static Task<AgentFleet> StartAsync(SiloFixture silo, IEnumerable<string> deviceIds, IReadOnlyDictionary<string, string?>? settings = null) =>
        StartAsync(silo.Host, deviceIds, settings);

    public static Task<AgentFleet> StartAsync(GatewayHost silo, IEnumerable<string> deviceIds, IReadOnlyDictionary<string, string?>? settings = null) =>
        StartAsync(silo, deviceIds, _ => settings ?? new Dictionary<string, string?>());

    /// <summary>Starts an agent for each of <paramref name="deviceIds"/>, each with the <c>Edge:</c> settings <paramref name="settingsOf"/> gives it.</summary>
    public static async Task<AgentFleet> StartAsync(GatewayHost silo, IEnumerable<string> deviceIds, Func<string, IReadOnlyDictionary<string, string?>> settingsOf)
    {
        var fleet = new AgentFleet();
        var key = Path.Combine(fleet._data.FullName, "silo.pub.pem");
        await File.WriteAllTextAsync(key, silo.Services.GetRequiredService<ModelKeyring>().Signer.ExportPublicKeyPem());
        await Parallel.ForEachAsync(deviceIds, Sixteen, async (id, _) =>
        {
            var agent = await EdgeAgentHost.StartAsync(EdgeAgentHost.Build(id, silo.MqttPort, fleet._data.FullName, settingsOf(id), key));
            lock (fleet._agents)
            {
                fleet._agents.Add(agent);
            }
        });
        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_agents, Sixteen, async (agent, _) => await agent.DisposeAsync());
        _data.Delete(recursive: true);
    }
}
