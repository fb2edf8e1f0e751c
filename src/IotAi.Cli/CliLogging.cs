using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace IotAi.Cli;

/// <summary>
/// How the hosts the CLI runs (a silo, an edge agent) log to the console: a logged exception shows as its message,
/// and its stack trace only with <c>--verbose</c>.
/// </summary>
internal static class CliLogging
{
    /// <summary>Set once from <c>--verbose</c> before a command runs.</summary>
    public static bool Verbose { get; set; }

    public static ILoggingBuilder AddCliConsole(this ILoggingBuilder logging, Action<ConsoleLoggerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddConsole(o =>
        {
            configure?.Invoke(o);
            if (!Verbose)
            {
                o.FormatterName = TerseFormatter.FormatterName;
            }
        });
        logging.AddConsoleFormatter<TerseFormatter, ConsoleFormatterOptions>();
        return logging;
    }

    /// <summary>The console's usual two lines per entry; an exception adds its message, not its stack.</summary>
    private sealed class TerseFormatter() : ConsoleFormatter(FormatterName)
    {
        public const string FormatterName = "iotai-terse";

        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            if (logEntry.Exception is { } exception && !message.Contains(exception.Message, StringComparison.Ordinal))
            {
                message = $"{message}: {exception.Message}";
            }

            textWriter.Write(Level(logEntry.LogLevel));
            textWriter.Write(": ");
            textWriter.WriteLine(logEntry.Category);
            textWriter.Write("      ");
            textWriter.WriteLine(message.ReplaceLineEndings(Environment.NewLine + "      "));
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
    }
}
