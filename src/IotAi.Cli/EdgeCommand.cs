using System.CommandLine;
using System.Globalization;
using IotAi.Edge;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Cli;

/// <summary><c>iotai edge</c>: one edge agent, printing each result as a JSON line, until Ctrl+C.</summary>
internal static class EdgeCommand
{
    public static Command Create()
    {
        var device = new Option<string>("--device-id") { Description = "This device's id (the MQTT client id)", Required = true };
        var host = new Option<string>("--host") { Description = "The gateway's host name or address", DefaultValueFactory = _ => "localhost" };
        var port = new Option<int>("--port") { Description = "The gateway's MQTT port", DefaultValueFactory = _ => 1883 };
        var jsonLines = new Option<string?>("--jsonl") { Description = "Also send telemetry JSON lines from this file ('-' for standard input)" };
        var sources = CliArguments.Many<string>("--source", "Sources to run: sensor, camera, jsonl, csv (Edge:CsvPath), folder (Edge:WatchFolder), hwmon (default: sensor and camera)");
        var secret = new Option<FileInfo?>("--secret-file") { Description = "A file holding this device's secret, as `iotai devices enrol` printed it" };
        var trust = CliArguments.Many<FileInfo>("--trust", "Public keys (PEM) whose signed models this device accepts, e.g. .iotai/keys/*.pub.pem");
        var command = new Command("edge", "Run one edge agent against a gateway. More settings go as --Edge:Key=value.")
        {
            device, host, port, secret, jsonLines, sources, trust,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Files named on the command line are checked before anything starts, so a wrong path is one line, not a failed start.
            var keys = (parse.GetValue(trust) ?? []).Select(static key => CliArguments.Readable(key, "trusted key file")).ToList();
            if (parse.GetValue(secret) is { } secretFile)
            {
                CliArguments.Readable(secretFile, "secret file");
            }

            var builder = Host.CreateApplicationBuilder([.. parse.UnmatchedTokens]);
            var settings = new Dictionary<string, string?>
            {
                ["Edge:DeviceId"] = parse.GetValue(device),
                ["Edge:Host"] = parse.GetValue(host),
                ["Edge:Port"] = parse.GetValue(port).ToString(CultureInfo.InvariantCulture),
                ["Edge:JsonLinesPath"] = parse.GetValue(jsonLines),
                ["Edge:SecretFile"] = parse.GetValue(secret)?.FullName,
            };
            var chosen = parse.GetValue(sources) ?? [];
            for (var i = 0; i < chosen.Length; i++)
            {
                settings[$"Edge:Sources:{i}"] = chosen[i];
            }

            for (var i = 0; i < keys.Count; i++)
            {
                settings[$"Edge:TrustedKeyFiles:{i}"] = keys[i].FullName;
            }

            builder.Configuration.AddInMemoryCollection(settings);
            // Results go to standard output as JSON lines; logs go to standard error so the two never mix.
            builder.Logging.AddCliConsole(static o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.AddEdgeTelemetry();
            builder.Services.AddEdgeAgent();
            using var agent = builder.Build();
            await agent.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
