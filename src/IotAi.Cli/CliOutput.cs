using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace IotAi.Cli;

/// <summary>How the CLI prints for people and for scripts: readable JSON, and tables that stay tables in a pipe.</summary>
internal static class CliOutput
{
    /// <summary>
    /// JSON as people read it: indented, camel case, enums as words, and <c>+</c>, <c>&lt;</c> or <c>é</c> as themselves
    /// rather than <c>\u002B</c> (nothing printed here is embedded in HTML).
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The <c>--json</c> flag of a command that otherwise prints a table.</summary>
    public static Option<bool> JsonFlag() => new("--json") { Description = "Print JSON instead of a table, for scripts" };

    public static void WriteJson<T>(T value, TextWriter? output = null) => (output ?? Console.Out).WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>
    /// A console for output that is not a terminal (a pipe, a file): no colours or escape codes, no line wrapping, and
    /// tables as plain columns without borders, so <c>iotai models list | cut</c> and <c>grep</c> see one line per row.
    /// </summary>
    public static IAnsiConsole Plain(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = short.MaxValue;
        console.Pipeline.Attach(new PlainTables());
        return console;
    }

    private sealed class PlainTables : IRenderHook
    {
        public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables)
        {
            foreach (var renderable in renderables)
            {
                if (renderable is Table table)
                {
                    table.Border(TableBorder.None);
                    table.Expand = false;
                }

                yield return renderable;
            }
        }
    }
}
