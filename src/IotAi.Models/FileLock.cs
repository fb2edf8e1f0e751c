namespace IotAi.Models;

/// <summary>
/// An exclusive lock between processes (and silos in one process) sharing a data directory: the operating system's lock
/// on a lock file, freed however its holder ends. Held while making a file that exactly one of them may make, because
/// .NET's move without overwrite checks for the target and then renames, so two movers can both succeed.
/// </summary>
public static class FileLock
{
    /// <summary>Takes the lock on <paramref name="path"/> (made if missing), waiting up to <paramref name="wait"/> for its holder.</summary>
    /// <returns>The open lock file: disposing it lets the lock go.</returns>
    public static FileStream Take(string path, TimeSpan wait)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another holder; it lets go within moments.
                Thread.Sleep(5);
            }
        }
    }
}
