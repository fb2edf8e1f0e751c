namespace IotAi.Simulator.Faults;

/// <summary>A fault the fleet carried out: a storm (<see cref="Until"/> null) or a pause, when, and which devices it hit.</summary>
public sealed record FaultEvent(string Kind, DateTimeOffset At, DateTimeOffset? Until, IReadOnlyList<string> DeviceIds);
