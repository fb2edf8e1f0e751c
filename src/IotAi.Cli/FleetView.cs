using System.Globalization;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// The live console view of a fleet run: redrawn every second on a terminal, or a few plain lines every
/// few seconds when the output is a file or a pipe.
/// </summary>
internal static class FleetView
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>Shows the fleet's figures until <paramref name="run"/> ends; returns the last snapshot.</summary>
    public static async Task<FleetSnapshot> ShowAsync(Fleet fleet, Task run, string title)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return await PrintAsync(fleet, run);
        }

        FleetSnapshot last = fleet.Statistics.Snapshot();
        await AnsiConsole.Live(Render(last, title)).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(Tick));
                last = fleet.Statistics.Snapshot();
                context.UpdateTarget(Render(last, title));
            }
        });
        await run;
        return last;
    }

    private static async Task<FleetSnapshot> PrintAsync(Fleet fleet, Task run)
    {
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(Tick * 5));
            Console.Write(FleetReport.ToText(fleet.Statistics.Snapshot()));
        }

        await run;
        return fleet.Statistics.Snapshot();
    }

    private static Table Render(FleetSnapshot s, string title)
    {
        var table = new Table().Title(title).Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("").RightAligned());
        Row(table, "elapsed", s.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        Row(table, "devices connected", s.DevicesConnected.ToString(CultureInfo.InvariantCulture));
        Row(table, "messages/s (now · overall)", $"{s.IntervalResultsPerSecond:F1} · {s.ResultsPerSecond:F1}");
        Row(table, "sent · answered · in flight", $"{s.Sent} · {s.Results} · {s.Outstanding}");
        Row(table, "round trip p50 · p99", $"{s.Latency.P50Ms:F1} ms · {s.Latency.P99Ms:F1} ms");
        Row(table, "inference p50 · p99", $"{s.InferenceLatency.P50Ms:F2} ms · {s.InferenceLatency.P99Ms:F2} ms");
        Row(table, "accuracy (sensor · image)", $"{Percent(s.Accuracy)} ({Percent(s.Telemetry.Accuracy)} · {Percent(s.Image.Accuracy)})");
        Row(table, "errors · timeouts", $"{s.Errors} · {s.Timeouts}");
        return table.Caption("Ctrl+C stops");
    }

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static string Percent(double? fraction) => fraction is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "–";
}
