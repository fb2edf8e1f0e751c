using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai train</c>: retrain a model in a silo on its kept, labelled samples and follow the run to its verdict
/// (<c>--model</c>), or train a new model from the user's own data (<c>--from-folder</c>, <c>--from-csv</c>: see
/// <see cref="OwnDataTraining"/>).
/// </summary>
internal static class TrainCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"A silo's HTTP address: where --model retrains (default {SiloConnection.DefaultUrl}), or where a model trained from your own data is uploaded",
        };
        var model = new Option<string?>("--model") { Description = "Retrain this model in a silo on its kept, labelled samples" };
        var improvement = new Option<double>("--min-improvement") { Description = "--model: how much the candidate's holdout accuracy must beat the active version's", DefaultValueFactory = _ => 0.01 };
        var holdout = new Option<double>("--holdout") { Description = "The share of samples held out to score on", DefaultValueFactory = _ => 0.2 };
        var noRollout = new Option<bool>("--no-rollout") { Description = "--model: register a winning candidate without rolling it out" };
        var own = new OwnDataTraining(url, holdout);
        var command = new Command("train", "Retrain a model in a silo on its labelled samples (--model), or train a new model from your own folder of images or CSV")
        {
            model, improvement, holdout, noRollout,
        };
        own.AddTo(command);
        command.Validators.Add(result => own.Validate(result, model, [improvement, noRollout]));
        command.SetAction((parse, ct) => own.IsChosen(parse) ? own.RunAsync(parse, ct) : RetrainInSiloAsync(own.Silo.Connect(parse), new
        {
            model = parse.GetValue(model),
            minImprovement = parse.GetValue(improvement),
            holdoutFraction = parse.GetValue(holdout),
            rollout = !parse.GetValue(noRollout),
        }, ct));
        return command;
    }

    private static async Task<int> RetrainInSiloAsync(HttpClient silo, object request, CancellationToken ct)
    {
        using var http = silo;
        var started = await http.PostAsJsonAsync("/api/training", request, ct);
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
