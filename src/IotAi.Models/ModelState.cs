namespace IotAi.Models;

/// <summary>Where a registered version stands.</summary>
public enum ModelState
{
    /// <summary>Registered, serving on request by version, not by default.</summary>
    Available,

    /// <summary>The version that answers when no version is asked for; one per model name.</summary>
    Active,

    /// <summary>Kept for lineage and rollback, but no longer to be rolled out.</summary>
    Deprecated,
}
