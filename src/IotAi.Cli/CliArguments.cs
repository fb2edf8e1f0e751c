using System.CommandLine;

namespace IotAi.Cli;

/// <summary>Options and checks every command parses the same way.</summary>
internal static class CliArguments
{
    /// <summary>
    /// An option that takes several values after one flag, so a shell glob works (<c>--trust keys/*.pem</c>); repeating
    /// the flag adds more. Settings that follow it (<c>--Edge:DataDirectory=…</c>) are not taken as its values:
    /// <see cref="SettingsLast"/> has moved them out of its way.
    /// </summary>
    public static Option<T[]> Many<T>(string name, string description) => new(name) { Description = description, AllowMultipleArgumentsPerToken = true };

    /// <summary>Refuses, in one line that names it, a file that is missing or cannot be read, before anything starts.</summary>
    public static FileInfo Readable(FileInfo file, string what)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"the {what} {file.FullName} does not exist", file.FullName);
        }

        try
        {
            using var _ = file.OpenRead();
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"the {what} {file.FullName} cannot be read: {ex.Message}", ex);
        }

        return file;
    }

    /// <summary>
    /// Moves host settings (<c>--Section:Key=value</c> or <c>--Section:Key value</c>) behind <c>--</c>, where the
    /// commands that run a host pass them to its configuration: wherever they stand, no option that takes several values
    /// takes one of them as its own.
    /// </summary>
    public static string[] SettingsLast(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var separator = Array.IndexOf(args, "--");
        var head = separator < 0 ? args : args[..separator];
        var options = new List<string>(head.Length);
        var settings = new List<string>();
        for (var i = 0; i < head.Length; i++)
        {
            if (!IsSetting(head[i]))
            {
                options.Add(head[i]);
                continue;
            }

            settings.Add(head[i]);
            if (!head[i].Contains('=', StringComparison.Ordinal) && i + 1 < head.Length && !head[i + 1].StartsWith('-'))
            {
                settings.Add(head[++i]);
            }
        }

        return settings.Count == 0 ? args : [.. options, "--", .. settings, .. separator < 0 ? [] : args[(separator + 1)..]];
    }

    /// <summary><c>--Section:Key…</c>: no option of the CLI has a colon in its name.</summary>
    private static bool IsSetting(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length < 3 || !char.IsLetter(token[2]))
        {
            return false;
        }

        var colon = token.IndexOf(':', StringComparison.Ordinal);
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return colon > 2 && (equals < 0 || colon < equals);
    }
}
