using System.CommandLine;
using System.Globalization;
using IotAi.Gateway.Http;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai models keys</c>: the model key set a silo gives devices, and which devices hold which version, so an
/// operator sees who has rolled to a new key before signing with it (docs/operations.md, <i>Signing keys</i>).
/// </summary>
internal static class ModelKeysCommand
{
    public static Command Create()
    {
        var silo = new SiloConnection();
        var command = new Command("keys", "Show the model key set devices are given and which devices hold each version");
        var json = CliOutput.JsonFlag();
        command.Options.Add(json);
        silo.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var api = silo.Client(parse);
            var view = await api.GetModelKeysAsync(ct);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(view);
                return 0;
            }

            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "key set version [bold]{0}[/], issued {1:u}, signed by {2}", view.Version, view.IssuedAt, view.SignedBy);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "keys: {0}", string.Join(", ", view.KeyIds));
            var table = new Table().AddColumns("version held", "devices", "device ids");
            foreach (var (version, devices) in view.Devices)
            {
                table.AddRow(version, devices.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", devices.Take(10)) + (devices.Count > 10 ? ", …" : "")));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
