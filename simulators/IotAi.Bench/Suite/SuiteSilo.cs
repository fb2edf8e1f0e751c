namespace IotAi.Bench.Suite;

/// <summary>Silos for the suite: as the benchmarks before, with the per-address limits lifted for a loopback fleet.</summary>
public static class SuiteSilo
{
    /// <summary>
    /// A whole fleet connects from a handful of loopback addresses, which the per-address limits (sized for NATs
    /// in front of real devices) would refuse.
    /// </summary>
    private static readonly string[] LoopbackFleet =
    [
        "--Mqtt:Limits:MaxConnectionsPerAddress=1000000",
        "--Mqtt:Limits:ConnectsPerSecondPerAddress=1000000",
        "--Mqtt:Limits:ConnectBurstPerAddress=1000000",
        "--Mqtt:Limits:MaxPendingConnectionsPerAddress=1000000",
    ];

    public static Task<SiloProcess> StartAsync(CancellationToken cancellationToken, params string[] settings) =>
        SiloProcess.StartAsync([.. LoopbackFleet, .. settings], cancellationToken);

    /// <summary>A silo whose runtime gets <paramref name="environment"/> as well, such as a garbage collector setting.</summary>
    public static Task<SiloProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken) =>
        SiloProcess.StartAsync(LoopbackFleet, cancellationToken, environment: environment);

    /// <summary>A silo on a data directory prepared beforehand (deleted afterwards), such as one whose registry holds a particular model.</summary>
    public static Task<SiloProcess> StartAsync(string[] settings, DirectoryInfo data, CancellationToken cancellationToken) =>
        SiloProcess.StartAsync([.. LoopbackFleet, .. settings], cancellationToken, data);
}
