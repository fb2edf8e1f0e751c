using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai train</c>: retrain a model in a silo on its kept, labelled samples, and follow the run to its verdict.</summary>
internal static class TrainCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "A silo's HTTP address", DefaultValueFactory = _ => "http://localhost:8080" };
        var model = new Option<string>("--model") { Description = "The model to retrain", Required = true };
        var improvement = new Option<double>("--min-improvement") { Description = "How much the candidate's holdout accuracy must beat the active version's", DefaultValueFactory = _ => 0.01 };
        var holdout = new Option<double>("--holdout") { Description = "The share of samples held out to score on", DefaultValueFactory = _ => 0.2 };
        var noRollout = new Option<bool>("--no-rollout") { Description = "Register a winning candidate without rolling it out" };
        var command = new Command("train", "Retrain a model on its labelled samples; a candidate that beats the active version is registered and rolled out")
        {
            model, improvement, holdout, noRollout, url,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetValue(url)!) };
            var started = await http.PostAsJsonAsync("/api/training", new
            {
                model = parse.GetValue(model),
                minImprovement = parse.GetValue(improvement),
                holdoutFraction = parse.GetValue(holdout),
                rollout = !parse.GetValue(noRollout),
            }, ct);
            var status = await SiloReplies.ReadAsync<JsonElement>(started, ct);
            var runId = status.GetProperty("runId").GetString()!;
            await AnsiConsole.Status().StartAsync($"training {Markup.Escape(runId)}", async context =>
            {
                using var poll = new PeriodicTimer(Poll);
                while (status.GetProperty("state").GetString() == "running" && await poll.WaitForNextTickAsync(ct))
                {
                    status = await SiloReplies.ReadAsync<JsonElement>(await http.GetAsync($"/api/training/{Uri.EscapeDataString(runId)}", ct), ct);
                    context.Status(Markup.Escape($"{runId}: {status.GetProperty("progress").GetString()}"));
                }
            });

            Report(status);
            return status.GetProperty("state").GetString() == "failed" ? 1 : 0;
        });
        return command;
    }

    private static void Report(JsonElement status)
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{status.GetProperty("state").GetString()}[/]: {status.GetProperty("progress").GetString()}");
        if (status.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.Object
            && outcome.TryGetProperty("candidate", out var candidate) && candidate.ValueKind == JsonValueKind.Object)
        {
            var current = outcome.GetProperty("current");
            var table = new Table().AddColumns("version", "holdout accuracy", "macro-F1");
            table.AddRow(outcome.GetProperty("currentVersion").GetString()!, Percent(current, "accuracy"), Percent(current, "macroF1"));
            table.AddRow($"candidate ({outcome.GetProperty("trainSamples").GetInt32()} trained, {outcome.GetProperty("holdoutSamples").GetInt32()} held out)", Percent(candidate, "accuracy"), Percent(candidate, "macroF1"));
            AnsiConsole.Write(table);
        }

        if (status.TryGetProperty("rollout", out var rollout) && rollout.ValueKind == JsonValueKind.String)
        {
            AnsiConsole.MarkupLineInterpolated($"rolling out as {rollout.GetString()}: iotai rollouts status {rollout.GetString()} --watch");
        }

        static string Percent(JsonElement e, string name) => e.GetProperty(name).GetDouble().ToString("P1", CultureInfo.InvariantCulture);
    }
}
