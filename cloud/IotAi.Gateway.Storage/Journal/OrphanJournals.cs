using IotAi.Models;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// The journals in a state directory that silos sharing it write, and the recovery of those a crash left behind. A
/// live silo holds its <c>{name}.alive</c> locked; a journal whose lock is free belongs to a silo that died, so its
/// records are written into their snapshots (each only if newer than the snapshot) and its files removed. That happens
/// before a state is read, so a grain that moves from a silo that crashed reads what that silo acknowledged.
/// </summary>
/// <remarks>
/// Recovery and the start of a journal take <c>recovery.lock</c>, so one silo recovers a journal while the others wait
/// for it, rather than read the snapshots it has not yet written. Locks are the operating system's file locks, which
/// end with the process that holds them however it ends.
/// </remarks>
internal sealed partial class OrphanJournals(FileGrainStorageOptions options, ILogger logger)
{
    private static readonly TimeSpan RecoveryLockWait = TimeSpan.FromMinutes(1);

    private readonly string _directory = DirectoryOf(options.Directory);
    private string? _own;

    /// <summary>Where the journals of a state directory live.</summary>
    public static string DirectoryOf(string stateDirectory) => Path.Combine(stateDirectory, ".journal");

    /// <summary>Recovers what crashed silos left, and starts this silo's journal under a name of its own.</summary>
    public StateJournal Start()
    {
        Directory.CreateDirectory(_directory);
        using var recovery = FileLock.Take(Path.Combine(_directory, "recovery.lock"), RecoveryLockWait);
        RecoverUnderLock();
        var name = Guid.NewGuid().ToString("N");
        var alive = new FileStream(AlivePath(name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        _own = name;
        return new StateJournal(options, name, alive);
    }

    /// <summary>Recovers any journal whose silo has died; cheap when every journal's silo lives.</summary>
    public void Recover()
    {
        if (!Orphans().Any())
        {
            return;
        }

        using var recovery = FileLock.Take(Path.Combine(_directory, "recovery.lock"), RecoveryLockWait);
        RecoverUnderLock();
    }

    /// <summary>Names of journals whose silo no longer holds their lock.</summary>
    private IEnumerable<string> Orphans()
    {
        foreach (var alive in Directory.EnumerateFiles(_directory, "*.alive"))
        {
            var name = Path.GetFileNameWithoutExtension(alive);
            if (name != _own && !IsHeld(alive))
            {
                yield return name;
            }
        }

        // A silo that died while starting may leave segments and no lock file at all.
        foreach (var segment in Directory.EnumerateFiles(_directory, "*.log"))
        {
            var name = NameOf(segment);
            if (name != _own && !File.Exists(AlivePath(name)))
            {
                yield return name;
            }
        }
    }

    private void RecoverUnderLock()
    {
        foreach (var name in Orphans().Distinct().ToList())
        {
            var records = Replay(name);
            LogRecovered(name, records);
        }
    }

    /// <summary>Writes each state's newest record in journal <paramref name="name"/> into its snapshot; returns how many records it read.</summary>
    private int Replay(string name)
    {
        var segments = Directory.EnumerateFiles(_directory, name + "-*.log").Order(StringComparer.Ordinal).ToList();
        var newest = new Dictionary<string, (long Version, byte[] Segment, int Start, int Length)>(StringComparer.Ordinal);
        var records = 0;
        foreach (var segment in segments)
        {
            var bytes = File.ReadAllBytes(segment);
            var at = 0;
            while (JournalRecord.TryRead(bytes.AsSpan(at), out var record))
            {
                var key = System.Text.Encoding.UTF8.GetString(bytes, at + record.KeyStart, record.KeyLength);
                // The later of two records of one version wins: the earlier was a write that failed after reaching the disk,
                // and its grain wrote that version again.
                if (!newest.TryGetValue(key, out var known) || known.Version <= record.Version)
                {
                    newest[key] = (record.Version, bytes, at + record.StateStart, record.Length - record.StateStart);
                }

                at += record.Length;
                records++;
            }
        }

        foreach (var (key, (version, segment, start, length)) in newest)
        {
            var slot = new byte[SlotFiles.HeaderLength + length];
            segment.AsSpan(start, length).CopyTo(slot.AsSpan(SlotFiles.HeaderLength));
            SlotFiles.WriteHeader(slot, version);
            SlotFiles.WriteIfNewer(Path.Combine(options.Directory, key), version, slot, options.Fsync);
        }

        foreach (var segment in segments)
        {
            File.Delete(segment);
        }

        File.Delete(AlivePath(name));
        return records;
    }

    private static bool IsHeld(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            // Recovered meanwhile.
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private string AlivePath(string name) => Path.Combine(_directory, name + ".alive");

    private static string NameOf(string segment)
    {
        var file = Path.GetFileNameWithoutExtension(segment);
        return file[..file.LastIndexOf('-')];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovered the state journal {Journal} that a stopped silo left: {Records} records written into their snapshots")]
    private partial void LogRecovered(string journal, int records);
}
