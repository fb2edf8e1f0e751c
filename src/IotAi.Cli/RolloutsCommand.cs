using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IotAi.Grains.Rollouts;
using IotAi.Client;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai rollouts</c>: start a staged rollout, follow it with a progress bar, pause, resume or abort it.</summary>
internal static class RolloutsCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    public static Command Create()
    {
        var silo = new SiloConnection();
        var id = new Argument<string>("id") { Description = "The rollout's id" };

        var model = new Option<string>("--model") { Description = "The model's name", Required = true };
        var version = new Option<string>("--version") { Description = "The version to roll out", Required = true };
        var devices = CliArguments.Many<string>("--device", "Target these devices (default: every known device)");
        var tags = CliArguments.Many<string>("--tag", "Target devices with these tags, name=value");
        var percent = new Option<double>("--percent") { Description = "Share of the matching devices to cover", DefaultValueFactory = _ => 100 };
        var stages = new Option<string>("--stages") { Description = "Stage shares in percent, growing to 100", DefaultValueFactory = _ => "10,50,100" };
        var concurrency = new Option<int>("--max-downloads") { Description = "Devices fetching at once", DefaultValueFactory = _ => 50 };
        var rolloutId = new Option<string?>("--id") { Description = "The rollout's id (default: model-version-time)" };
        var watch = new Option<bool>("--watch") { Description = "Follow the rollout with a progress bar until it ends" };
        var qualitySamples = new Option<int>("--quality-samples")
        {
            Description = "Answers of the new version a stage's devices must report before its quality is judged against the previous version",
            DefaultValueFactory = _ => QualityGates.Default.MinSamples,
        };
        var noQuality = new Option<bool>("--no-quality-gates") { Description = "Judge stages on activation and failures alone" };
        var start = new Command("start", "Start a staged rollout of a model version")
        {
            model, version, devices, tags, percent, stages, concurrency, qualitySamples, noQuality, rolloutId, watch,
        };
        start.SetAction(async (parse, ct) =>
        {
            var shares = parse.GetValue(stages)!.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var request = new
            {
                id = parse.GetValue(rolloutId),
                model = parse.GetValue(model),
                version = parse.GetValue(version),
                target = new
                {
                    deviceIds = parse.GetValue(devices) is { Length: > 0 } d ? d : null,
                    tags = parse.GetValue(tags) is { Length: > 0 } t ? t.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.ElementAtOrDefault(1) ?? "") : null,
                    percentage = parse.GetValue(percent),
                },
                stages = shares.Select((share, i) => new { name = share >= 100 ? "all" : i == 0 ? "canary" : $"wave {i}", percent = share }),
                maxConcurrentDownloads = parse.GetValue(concurrency),
                gates = RolloutGates.Default with
                {
                    Quality = parse.GetValue(noQuality) ? null : QualityGates.Default with { MinSamples = parse.GetValue(qualitySamples) },
                },
            };
            using var api = silo.Client(parse);
            var started = await api.StartRolloutAsync(request, ct);
            var startedId = started.GetProperty("id").GetString()!;
            AnsiConsole.MarkupLineInterpolated($"Rollout [bold]{startedId}[/] started for {started.GetProperty("targets").GetInt32()} devices");
            return parse.GetValue(watch) ? await WatchAsync(api, startedId, ct) : 0;
        });

        var statusCommand = new Command("status", "Show a rollout's stage, device counts and gate values") { id, watch };
        statusCommand.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            if (parse.GetValue(watch))
            {
                return await WatchAsync(api, parse.GetValue(id)!, ct);
            }

            CliOutput.WriteJson(await api.GetRolloutAsync(parse.GetValue(id)!, ct));
            return 0;
        });

        var rollouts = new Command("rollouts", "Staged model rollouts through a silo")
        {
            start, statusCommand, Change("pause", id, silo), Change("resume", id, silo), Change("abort", id, silo),
        };
        silo.AddTo(start);
        silo.AddTo(statusCommand);
        return rollouts;
    }

    private static Command Change(string verb, Argument<string> id, SiloConnection silo)
    {
        var command = new Command(verb, $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a rollout") { id };
        silo.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            var status = await api.ChangeRolloutAsync(parse.GetValue(id)!, verb, ct);
            AnsiConsole.MarkupLineInterpolated($"Rollout {parse.GetValue(id)}: {status.GetProperty("phase").ToString()}");
            return 0;
        });
        return command;
    }

    /// <summary>A progress bar of devices running the version, until the rollout completes, rolls back or is aborted.</summary>
    private static async Task<int> WatchAsync(IotAiClient api, string id, CancellationToken cancellationToken)
    {
        JsonElement last = default;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(id);
                while (!cancellationToken.IsCancellationRequested)
                {
                    var status = await api.GetRolloutAsync(id, cancellationToken);
                    last = status;
                    var phase = status.GetProperty("phase").ToString();
                    bar.MaxValue = status.GetProperty("targets").GetInt32();
                    bar.Value = Running(status);
                    bar.Description = Markup.Escape($"{id} · stage {status.GetProperty("stage").GetInt32() + 1} · {phase}{Verdict(status, "quality", " · ")}{Verdict(status, "live", " · live: ")}");
                    if (phase is not ("Running" or "Paused" or "RollingBack"))
                    {
                        return;
                    }

                    await Task.Delay(Poll, cancellationToken);
                }
            });
        if (last.ValueKind == JsonValueKind.Object)
        {
            AnsiConsole.MarkupLineInterpolated($"Rollout {id}: {last.GetProperty("phase").ToString()}, {Running(last)} of {last.GetProperty("targets").GetInt32()} devices run or are answered by the version");
            if (Verdict(last, "live", "live: ") is { Length: > 0 } live)
            {
                AnsiConsole.MarkupLineInterpolated($"{live}");
            }

            if (last.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{reason.GetString()}[/]");
            }
        }

        return 0;
    }

    /// <summary>Devices that run the version, and devices the cloud serves that it answers (its stage reached).</summary>
    private static int Running(JsonElement status)
    {
        var devices = status.GetProperty("devices");
        return (devices.TryGetProperty("active", out var active) ? active.GetInt32() : 0) + (devices.TryGetProperty("cloud", out var cloud) ? cloud.GetInt32() : 0);
    }

    /// <summary>The summary of the status's <paramref name="name"/> verdict after <paramref name="prefix"/>, or nothing before there is one.</summary>
    private static string Verdict(JsonElement status, string name, string prefix) =>
        status.TryGetProperty(name, out var verdict) && verdict.ValueKind == JsonValueKind.Object ? prefix + verdict.GetProperty("summary").GetString() : "";
}
