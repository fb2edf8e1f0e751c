using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAi.Simulator;

/// <summary>Renders a <see cref="FleetSnapshot"/> for people (a few console lines) and for tools (JSON).</summary>
public static class FleetReport
{
    public static string ToText(FleetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = snapshot;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"[{s.Elapsed:hh\\:mm\\:ss}] devices {s.DevicesConnected}  sent {s.Sent}  results {s.Results}  errors {s.Errors}  timeouts {s.Timeouts}  in flight {s.Outstanding}");
        text.AppendLine(c, $"  rate {s.IntervalResultsPerSecond:F1}/s now, {s.ResultsPerSecond:F1}/s overall (sending {s.IntervalSentPerSecond:F1}/s now, {s.SentPerSecond:F1}/s overall)");
        text.AppendLine(c, $"  latency p50 {s.Latency.P50Ms:F1} ms  p90 {s.Latency.P90Ms:F1} ms  p99 {s.Latency.P99Ms:F1} ms  max {s.Latency.MaxMs:F1} ms");
        text.AppendLine(c, $"  inference p50 {s.InferenceLatency.P50Ms:F2} ms  p99 {s.InferenceLatency.P99Ms:F2} ms");
        text.AppendLine(c, $"  accuracy {Percent(s.Accuracy)}  telemetry {Percent(s.Telemetry.Accuracy)} of {s.Telemetry.Results}  image {Percent(s.Image.Accuracy)} of {s.Image.Results}");
        if (s.ErrorsByCode.Count > 0 || s.Refused + s.SendFailures + s.Throttled + s.Unmatched > 0)
        {
            var codes = string.Join(", ", s.ErrorsByCode.Select(static e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Value}")));
            text.AppendLine(c, $"  errors [{codes}]  refused {s.Refused}  send failures {s.SendFailures}  throttled {s.Throttled}  unmatched {s.Unmatched}");
        }

        if (s.ConnectionsLost + s.Reconnects + s.Resent + s.Paused > 0)
        {
            text.AppendLine(c, $"  connections lost {s.ConnectionsLost}  reconnects {s.Reconnects}  resent {s.Resent}  ticks paused {s.Paused}");
        }

        return text.ToString();
    }

    public static string ToJson(FleetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return JsonSerializer.Serialize(snapshot, FleetReportJson.Default.FleetSnapshot);
    }

    private static string Percent(double? fraction) =>
        fraction is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
}

/// <summary>Source-generated, camelCase JSON for tooling; no reflection at run time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FleetSnapshot))]
internal sealed partial class FleetReportJson : JsonSerializerContext;
