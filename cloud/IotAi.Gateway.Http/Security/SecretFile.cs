using IotAi.Models;

namespace IotAi.Gateway.Http.Security;

/// <summary>Files only their owner may read, written whole: a reader, or a silo starting beside this one, sees all of one or nothing.</summary>
internal static class SecretFile
{
    /// <summary>The file's text; when there is none, <paramref name="make"/>'s, written first. Silos starting together take turns, so one makes it and the others read it.</summary>
    public static string ReadOrCreate(string path, Func<string> make, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        using var turn = FileLock.Take(path + ".lock", TimeSpan.FromSeconds(30));
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var text = make();
        File.Move(WriteTemporary(path, text), path, overwrite: false);
        created = true;
        return text;
    }

    public static void Replace(string path, string text) => File.Move(WriteTemporary(path, text), path, overwrite: true);

    private static string WriteTemporary(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(temporary, create);
        using var writer = new StreamWriter(file);
        writer.Write(text);
        return temporary;
    }
}
