namespace IotAi.Models;

/// <summary>A model's entry in the registry, <c>models/{name}/state.json</c>: its active version, the deprecated ones, and when it was first registered.</summary>
internal sealed record RegistryState(string? Active, IReadOnlyList<string> Deprecated, DateTimeOffset? Registered = null);
