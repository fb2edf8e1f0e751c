namespace IotAi.Bench;

/// <summary>
/// A broker in its own process that a fleet drives: the gateway's silo or Mosquitto. Its CPU time and resident
/// memory are read from the OS, apart from the load generator's, which runs on the same cores.
/// </summary>
public interface IMeasuredServer
{
    string Name { get; }

    int MqttPort { get; }

    TimeSpan Cpu { get; }

    /// <summary>Resident memory (RSS), as the OS counts it.</summary>
    long ResidentBytes { get; }

    /// <summary>
    /// The time its runtime has spent compiling code since it started, or null for a server that compiles nothing
    /// while it runs (Mosquitto). A warm-up goes on until this stops growing, so a measure sees the code a long-running
    /// server runs rather than its just-in-time compiler at work.
    /// </summary>
    Task<TimeSpan?> CompilationTimeAsync(CancellationToken cancellationToken) => Task.FromResult<TimeSpan?>(null);
}
