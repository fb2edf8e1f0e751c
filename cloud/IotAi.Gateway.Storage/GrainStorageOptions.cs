using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Storage;

/// <summary>Where grain state lives: files under the data directory (one silo, or silos sharing a machine), or a database.</summary>
public enum GrainStorageProvider
{
    File,
    AdoNet,
}

/// <summary>
/// How a silo keeps grain state (section <c>Storage</c>). <see cref="GrainStorageProvider.AdoNet"/> uses Orleans' ADO.NET
/// grain storage; with PostgreSQL (<c>Npgsql</c>) the silo creates the tables and queries it needs when they are missing.
/// </summary>
public sealed class GrainStorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>The ADO.NET provider name for PostgreSQL.</summary>
    public const string Npgsql = "Npgsql";

    public GrainStorageProvider Provider { get; set; } = GrainStorageProvider.File;

    /// <summary>The ADO.NET provider, with <see cref="GrainStorageProvider.AdoNet"/>.</summary>
    [Required]
    public string Invariant { get; set; } = Npgsql;

    /// <summary>The database's connection string, with <see cref="GrainStorageProvider.AdoNet"/>; keep it in a secret.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// With <see cref="GrainStorageProvider.File"/>: write states through a journal per silo, many grains to one write and
    /// one flush, compacted into each state's files in the background; false writes each state's files at every write.
    /// </summary>
    public bool Journal { get; set; } = true;

    /// <summary>
    /// With PostgreSQL: write states in batches, the writes queued while one batch is on its way going together in the
    /// next (one round trip, one commit); false writes each state on its own through Orleans' ADO.NET provider. Both keep
    /// the same rows.
    /// </summary>
    public bool BatchWrites { get; set; } = true;

    /// <summary>Create the grain state table and the provider's queries at start when missing (PostgreSQL only); false leaves the schema to the operator.</summary>
    public bool CreateSchema { get; set; } = true;
}
