using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary><c>iotai samples</c>: the samples a silo kept for learning, and labelling them.</summary>
internal static class SamplesCommand
{
    public static Command Create()
    {
        var silo = new SiloConnection();
        var model = new Option<string>("--model") { Description = "The model whose samples to list", Required = true };
        var unlabelled = new Option<bool>("--unlabelled") { Description = "Only samples nobody has labelled yet" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var json = CliOutput.JsonFlag();
        var list = new Command("list", "List kept samples: why each was kept, what the model said, its label") { model, unlabelled, limit, json };
        silo.AddTo(list);
        list.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            var samples = await api.ListSamplesAsync(parse.GetValue(model)!, parse.GetValue(unlabelled), parse.GetValue(limit), ct);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(samples);
                return 0;
            }

            var table = new Table().AddColumns("id", "kept", "why", "answer", "confidence", "device said", "label");
            foreach (var s in samples)
            {
                var edge = s.TryGetProperty("edge", out var e) ? e.GetProperty("label").GetString() : "";
                var label = s.GetProperty("labels").EnumerateArray().LastOrDefault();
                table.AddRow(
                    Markup.Escape(s.GetProperty("id").GetString()!),
                    s.GetProperty("capturedAt").GetDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    Markup.Escape(s.GetProperty("reasons").GetString()!),
                    Markup.Escape(s.GetProperty("prediction").GetString()!),
                    s.GetProperty("confidence").GetSingle().ToString("F3", CultureInfo.InvariantCulture),
                    Markup.Escape(edge ?? ""),
                    label.ValueKind == JsonValueKind.Object ? Markup.Escape($"{label.GetProperty("label").GetString()} ({Source(label)})") : "");
            }

            AnsiConsole.Write(table);
            return 0;
        });

        var id = new Argument<string>("id") { Description = "The sample's id (device id, a dot, sequence number)" };
        var labelValue = new Argument<string>("label") { Description = "The true label, one of the model's" };
        var label = new Command("label", "Label a kept sample; the label is recorded as an operator's") { id, labelValue };
        silo.AddTo(label);
        label.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            var sample = await api.LabelSampleAsync(parse.GetValue(id)!, parse.GetValue(labelValue)!, ct);
            AnsiConsole.MarkupLineInterpolated($"{sample.GetProperty("id").GetString()}: [green]{parse.GetValue(labelValue)}[/]");
            return 0;
        });

        return new Command("samples", "Samples kept for learning, and their labels") { list, label };
    }

    /// <summary>Who gave a label: its source, and which teacher where one did.</summary>
    private static string Source(JsonElement label) =>
        label.TryGetProperty("by", out var by) && by.ValueKind == JsonValueKind.String ? $"{label.GetProperty("source").GetString()}: {by.GetString()}" : label.GetProperty("source").GetString()!;
}
