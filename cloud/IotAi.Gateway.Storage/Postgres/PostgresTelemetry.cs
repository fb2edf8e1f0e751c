using System.Diagnostics.Metrics;
using IotAi.Gateway.Storage.Journal;

namespace IotAi.Gateway.Storage.Postgres;

/// <summary>What the PostgreSQL grain storage does, for operators: states written and the batches that carried them.</summary>
internal static class PostgresTelemetry
{
    public static void Observe(IMeterFactory meters, PostgresWriteBatcher batcher)
    {
        var meter = meters.Create(JournalTelemetry.MeterName);
        meter.CreateObservableCounter("iotai.storage.postgres.writes", () => batcher.Counts.Writes, "{write}",
            "Grain states written to PostgreSQL");
        meter.CreateObservableCounter("iotai.storage.postgres.batches", () => batcher.Counts.Batches, "{batch}",
            "Round trips and commits that carried them: writes per batch is the group commit's gain");
    }
}
