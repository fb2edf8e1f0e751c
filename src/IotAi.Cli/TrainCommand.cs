using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IotAi.Client;
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
        // The gates' settings are sent only when given, so the silo's own (Learning:Training) apply otherwise.
        var improvement = new Option<double?>("--min-improvement") { Description = "--model: how much the candidate's accuracy on recent traffic must beat the active version's (the silo's setting, 0.01 by default)" };
        var minEvaluation = new Option<int?>("--min-evaluation-samples")
        {
            Description = "--model: labelled evaluation samples of recent traffic needed to judge the candidate (100 by default); 0 judges on the holdout of kept samples instead",
        };
        var labelDrop = new Option<double?>("--max-label-drop") { Description = "--model: how far any label's F1 on recent traffic may fall (0.05 by default)" };
        var regressionMargin = new Option<double?>("--regression-margin") { Description = "--model: how far accuracy on the active version's regression set may fall (0.05 by default)" };
        var replay = new Option<double?>("--replay-ratio") { Description = "--model: rows of the active version's training data replayed per new sample (8 for an image model, 2 for a sensor model by default)" };
        var holdout = new Option<double>("--holdout") { Description = "The share of samples held out to score on", DefaultValueFactory = _ => 0.2 };
        var noRollout = new Option<bool>("--no-rollout") { Description = "--model: register a winning candidate without rolling it out" };
        var json = CliOutput.JsonFlag();
        json.Description = "--model: print the run's final status, with every gate's figures, as JSON";
        var own = new OwnDataTraining(url, holdout);
        var command = new Command("train", "Retrain a model in a silo on its labelled samples (--model), or train a new model from your own folder of images or CSV")
        {
            model, improvement, minEvaluation, labelDrop, regressionMargin, replay, holdout, noRollout, json,
        };
        own.AddTo(command);
        command.Validators.Add(result => own.Validate(result, model, [improvement, minEvaluation, labelDrop, regressionMargin, replay, noRollout, json]));
        command.SetAction((parse, ct) => own.IsChosen(parse) ? own.RunAsync(parse, ct) : RetrainInSiloAsync(own.Silo.Client(parse), new
        {
            model = parse.GetValue(model),
            minImprovement = parse.GetValue(improvement),
            minEvaluationSamples = parse.GetValue(minEvaluation),
            maxLabelDrop = parse.GetValue(labelDrop),
            regressionMargin = parse.GetValue(regressionMargin),
            replayRatio = parse.GetValue(replay),
            holdoutFraction = parse.GetValue(holdout),
            rollout = !parse.GetValue(noRollout),
        }, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RetrainInSiloAsync(IotAiClient silo, object request, bool json, CancellationToken ct)
    {
        using var api = silo;
        var status = await api.StartTrainingAsync(request, ct);
        var runId = status.GetProperty("runId").GetString()!;
        await AnsiConsole.Status().StartAsync($"training {Markup.Escape(runId)}", async context =>
        {
            using var poll = new PeriodicTimer(Poll);
            while (status.GetProperty("state").GetString() == "running" && await poll.WaitForNextTickAsync(ct))
            {
                status = await api.GetTrainingAsync(runId, ct);
                context.Status(Markup.Escape($"{runId}: {status.GetProperty("progress").GetString()}"));
            }
        });

        if (json)
        {
            CliOutput.WriteJson(status);
        }
        else
        {
            Report(status, AnsiConsole.Console);
        }

        return status.GetProperty("state").GetString() == "failed" ? 1 : 0;
    }

    /// <summary>
    /// The verdict, then each version's figures on the sets it was judged on (recent traffic, the regression set, the kept
    /// samples held out) and every gate's judgement, so an operator sees why, not only what.
    /// </summary>
    internal static void Report(JsonElement status, IAnsiConsole console)
    {
        console.MarkupLineInterpolated($"[bold]{status.GetProperty("state").GetString()}[/]: {status.GetProperty("progress").GetString()}");
        if (status.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.Object
            && outcome.TryGetProperty("candidate", out var candidate) && candidate.ValueKind == JsonValueKind.Object)
        {
            var version = $"v{outcome.GetProperty("currentVersion").GetString()}";
            var figures = new Table().AddColumns("scored on", "samples", version, "candidate");
            if (Object(outcome, "traffic") is { } traffic)
            {
                figures.AddRow("recent traffic (evaluation samples, never trained on)", Samples(traffic), Percent(traffic, "current"), Percent(traffic, "candidate"));
            }

            if (Object(outcome, "regression") is { } regression)
            {
                figures.AddRow($"{version}'s regression set", Samples(regression), Percent(regression, "current"), Percent(regression, "candidate"));
            }

            figures.AddRow("kept samples held out (mostly hard examples)", outcome.GetProperty("holdoutSamples").GetInt32().ToString(CultureInfo.InvariantCulture),
                Accuracy(outcome.GetProperty("current")), Accuracy(candidate));
            figures.Caption(string.Create(CultureInfo.InvariantCulture,
                $"trained on {outcome.GetProperty("trainSamples").GetInt32()} kept samples and {Int(outcome, "replaySamples")} of {version}'s training rows"));
            console.Write(figures);
        }

        if (status.TryGetProperty("outcome", out outcome) && outcome.ValueKind == JsonValueKind.Object
            && outcome.TryGetProperty("gates", out var gates) && gates.ValueKind == JsonValueKind.Array)
        {
            var table = new Table().AddColumns("gate", "", "judgement");
            foreach (var gate in gates.EnumerateArray())
            {
                table.AddRow(new Text(gate.GetProperty("gate").GetString()!), new Markup(gate.GetProperty("passed").GetBoolean() ? "[green]passed[/]" : "[red]failed[/]"),
                    new Text(gate.GetProperty("summary").GetString()!));
            }

            console.Write(table);
        }

        if (status.TryGetProperty("rollout", out var rollout) && rollout.ValueKind == JsonValueKind.String)
        {
            console.MarkupLineInterpolated($"rolling out as {rollout.GetString()}: iotai rollouts status {rollout.GetString()} --watch");
        }

        static JsonElement? Object(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;
        static string Samples(JsonElement pair) => pair.GetProperty("current").GetProperty("samples").GetInt32().ToString(CultureInfo.InvariantCulture);
        static string Percent(JsonElement pair, string which) => Accuracy(pair.GetProperty(which));
        static string Accuracy(JsonElement e) => e.GetProperty("accuracy").GetDouble().ToString("P1", CultureInfo.InvariantCulture);
        static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
    }
}
