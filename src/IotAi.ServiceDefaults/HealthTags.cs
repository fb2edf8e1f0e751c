namespace IotAi.ServiceDefaults;

/// <summary>
/// The tags a check carries: <see cref="Ready"/> checks decide whether the process takes traffic,
/// <see cref="Startup"/> ones whether it has finished starting. Liveness runs no check: a process that answers is alive.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";
    public const string Startup = "startup";
}
