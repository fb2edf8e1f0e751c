using MQTTnet;

namespace IotAi.Bench;

/// <summary>Client options for the benchmark's own MQTT clients, which stand in for edge agents and subscribers.</summary>
internal static class BenchClientOptions
{
    /// <summary>
    /// A client of <paramref name="port"/> on loopback with socket buffers as the edge agent sizes them: MQTTnet's
    /// default of 8 KiB makes a 64 KiB chunk cross in eight windows, and the broker's CPU per chunk measures its waits
    /// on the client as much as its own work.
    /// </summary>
    public static MqttClientOptions For(int port, string clientId)
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithTimeout(TimeSpan.FromSeconds(30)).Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 256 * 1024;
        return options;
    }
}
