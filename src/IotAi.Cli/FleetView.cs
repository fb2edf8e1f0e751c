using System.Globalization;
using IotAi.Simulator;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace IotAi.Cli;

/// <summary>
/// The live console view of a fleet run: redrawn every second on a terminal, or a few plain lines every
/// few seconds when the output is a file or a pipe. Both show accuracy per five seconds and the learning
/// loop's events (<see cref="LearningLoopWatch"/>).
/// </summary>
internal static class FleetView
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const int EventsShown = 12;

    /// <summary>Shows the fleet's figures until <paramref name="run"/> ends; returns the last snapshot.</summary>
    public static async Task<FleetSnapshot> ShowAsync(Fleet fleet, Task run, string title, LearningLoopWatch watch)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return await PrintAsync(fleet, run, watch);
        }

        FleetSnapshot last = fleet.Statistics.Snapshot();
        await AnsiConsole.Live(Render(last, title, watch)).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(Tick));
                last = fleet.Statistics.Snapshot();
                await watch.ObserveAsync(last, CancellationToken.None);
                context.UpdateTarget(Render(last, title, watch));
            }
        });
        await run;
        return last;
    }

    private static async Task<FleetSnapshot> PrintAsync(Fleet fleet, Task run, LearningLoopWatch watch)
    {
        var printed = 0;
        var faults = 0;
        var ticks = 0;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(Tick));
            var snapshot = fleet.Statistics.Snapshot();
            foreach (var e in await watch.ObserveAsync(snapshot, CancellationToken.None))
            {
                Console.WriteLine($"event {e}");
            }

            var buckets = watch.Timeline.Buckets;
            foreach (var bucket in buckets.Skip(printed))
            {
                Console.WriteLine(BucketLine(bucket));
            }

            printed = buckets.Count;
            foreach (var fault in fleet.Faults.Skip(faults))
            {
                Console.WriteLine(FaultLine(fault));
            }

            faults = fleet.Faults.Count;
            if (++ticks % 5 == 0)
            {
                Console.Write(FleetReport.ToText(snapshot));
            }
        }

        await run;
        return fleet.Statistics.Snapshot();
    }

    private static Rows Render(FleetSnapshot s, string title, LearningLoopWatch watch)
    {
        var table = new Table().Title(title).Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("").RightAligned());
        Row(table, "elapsed", s.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        Row(table, "devices connected", s.DevicesConnected.ToString(CultureInfo.InvariantCulture));
        Row(table, "sent/s · answered/s (now)", $"{s.IntervalSentPerSecond:F1} · {s.IntervalResultsPerSecond:F1}");
        Row(table, "answered/s overall", $"{s.ResultsPerSecond:F1}");
        Row(table, "sent · answered · in flight", $"{s.Sent} · {s.Results} · {s.Outstanding}");
        Row(table, "round trip p50 · p99", $"{s.Latency.P50Ms:F1} ms · {s.Latency.P99Ms:F1} ms");
        Row(table, "inference p50 · p99", $"{s.InferenceLatency.P50Ms:F2} ms · {s.InferenceLatency.P99Ms:F2} ms");
        Row(table, "accuracy (sensor · image)", $"{Percent(s.Accuracy)} ({Percent(s.Telemetry.Accuracy)} · {Percent(s.Image.Accuracy)})");
        Row(table, "errors · timeouts", $"{s.Errors} · {s.Timeouts}");
        Row(table, "connections lost · reconnects · resent", $"{s.ConnectionsLost} · {s.Reconnects} · {s.Resent}");
        if (s.Paused > 0)
        {
            Row(table, "ticks paused", s.Paused.ToString(CultureInfo.InvariantCulture));
        }

        return new Rows(table.Caption("Ctrl+C stops"), Timeline(watch), Events(watch));
    }

    private static Panel Timeline(LearningLoopWatch watch)
    {
        // As many buckets as fit beside the frame, newest on the right.
        var width = Math.Max(10, AnsiConsole.Profile.Width - 8);
        var buckets = watch.Timeline.Buckets.TakeLast(width).ToList();
        var line = new string([.. buckets.Select(static b => Spark(b.Accuracy))]);
        var recent = string.Join("  ", buckets.TakeLast(6).Select(static b => Percent(b.Accuracy)));
        var text = new Markup($"{Markup.Escape(line)}\n[grey]last 30 s:[/] {Markup.Escape(recent)}   [grey](each mark 5 s; ▁ 50 % or less, █ 100 %)[/]");
        return new Panel(text).Header("accuracy over time").Expand();
    }

    private static Panel Events(LearningLoopWatch watch)
    {
        IRenderable body = watch.Events.Count == 0
            ? new Markup("[grey]nothing yet: the drift, training runs and rollouts show here[/]")
            : new Rows(watch.Events.TakeLast(EventsShown).Select(static e => new Text(e.ToString())));
        return new Panel(body).Header("learning loop").Expand();
    }

    private static char Spark(double? accuracy)
    {
        const string Levels = "▁▂▃▄▅▆▇█";
        if (accuracy is not { } a)
        {
            return ' ';
        }

        var level = (int)Math.Round((Math.Clamp(a, 0.5, 1.0) - 0.5) / 0.5 * (Levels.Length - 1));
        return Levels[level];
    }

    private static string BucketLine(AccuracyBucket b) => string.Create(CultureInfo.InvariantCulture,
        $"accuracy [{b.Start:hh\\:mm\\:ss}–{b.Start + b.Width:hh\\:mm\\:ss}] {Percent(b.Accuracy)} of {b.Results} (sensor {Percent(b.TelemetryAccuracy)} · image {Percent(b.ImageAccuracy)})");

    /// <summary>One line for a storm or pause the fleet carried out.</summary>
    public static string FaultLine(IotAi.Simulator.Faults.FaultEvent fault) => fault.Until is { } until
        ? string.Create(CultureInfo.InvariantCulture, $"fault {fault.Kind}: {fault.DeviceIds.Count} devices silent {fault.At:HH\\:mm\\:ss.f}–{until:HH\\:mm\\:ss.f}")
        : string.Create(CultureInfo.InvariantCulture, $"fault {fault.Kind}: {fault.DeviceIds.Count} devices dropped at {fault.At:HH\\:mm\\:ss.f}");

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static string Percent(double? fraction) => fraction is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "–";
}
