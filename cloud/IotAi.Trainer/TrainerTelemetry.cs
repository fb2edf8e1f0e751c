using System.Diagnostics;
using IotAi.ServiceDefaults;

namespace IotAi.Trainer;

/// <summary>What the trainer tells a collector: one span per training run, tagged with its model, run id and verdict.</summary>
public static class TrainerTelemetry
{
    public const string SourceName = "IotAi.Trainer";

    public static readonly ActivitySource Source = new(SourceName);

    public static ServiceTelemetry Service { get; } = new() { ServiceName = "iotai-trainer", Sources = [SourceName] };
}
