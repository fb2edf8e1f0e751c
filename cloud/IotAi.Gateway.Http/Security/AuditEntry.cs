namespace IotAi.Gateway.Http.Security;

/// <summary>
/// One change made, or refused, through the management API: who (a key's name or a token's subject, never a secret),
/// with which role, what call, its answer, when and from where.
/// </summary>
internal sealed record AuditEntry(
    DateTimeOffset Time,
    string Who,
    string Role,
    string Method,
    string Path,
    int Status,
    string? Remote);
