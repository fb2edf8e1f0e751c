using System.Diagnostics.Metrics;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>What the state journal does, for operators: records appended and the writes that carried them.</summary>
public static class JournalTelemetry
{
    public const string MeterName = "IotAi.Storage";

    internal static void Observe(IMeterFactory meters, StateJournal journal)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("iotai.storage.journal.records", () => journal.Counts.Records, "{record}",
            "Grain state records appended to this silo's journal");
        meter.CreateObservableCounter("iotai.storage.journal.writes", () => journal.Counts.Writes, "{write}",
            "Writes that carried them (and flushes, with Gateway:FsyncState): records per write is the group commit's gain");
    }
}
