namespace IotAi.Bench;

/// <summary>
/// A silo attached to Mosquitto in external broker mode, measured as one broker: devices publish to Mosquitto, the silo
/// takes the uplinks from it and answers through it, so the CPU time and memory are both processes' together.
/// </summary>
public sealed class ExternalModeServer(SiloProcess silo, MosquittoProcess mosquitto) : IMeasuredServer
{
    public string Name => "IotAi behind Mosquitto";

    public int MqttPort => mosquitto.Port;

    public TimeSpan Cpu => silo.Cpu + mosquitto.Cpu;

    public long ResidentBytes => silo.ResidentBytes + mosquitto.ResidentBytes;

    public Task<TimeSpan?> CompilationTimeAsync(CancellationToken cancellationToken) => silo.CompilationTimeAsync(cancellationToken);
}
