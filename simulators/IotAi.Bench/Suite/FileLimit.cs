using System.Runtime.InteropServices;

namespace IotAi.Bench.Suite;

/// <summary>
/// The open-file limit, which caps connections: the idle-memory measure holds 50,000 of them in the load
/// generator and as many in the broker. Child processes inherit the limit raised here.
/// </summary>
public static partial class FileLimit
{
    private const int NoFile = 7; // RLIMIT_NOFILE on Linux

    /// <summary>Raises the limit to at least <paramref name="wanted"/> where the OS lets this process; returns the limit now in force.</summary>
    public static ulong Raise(ulong wanted)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(NoFile, out var limit) != 0)
        {
            return wanted;
        }

        if (limit.Current >= wanted)
        {
            return limit.Current;
        }

        // Raising the hard limit needs privilege (CAP_SYS_RESOURCE); without it, go as far as the hard limit allows.
        var raised = new RLimit { Current = wanted, Max = Math.Max(wanted, limit.Max) };
        if (setrlimit(NoFile, raised) == 0)
        {
            return wanted;
        }

        var soft = new RLimit { Current = limit.Max, Max = limit.Max };
        return setrlimit(NoFile, soft) == 0 ? limit.Max : limit.Current;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }
}
