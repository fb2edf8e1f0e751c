using System.Net;

namespace IotAi.Tests.Shared;

/// <summary>
/// Loopback addresses of a test's own (127.0.0.2 and up, all of which reach the silo on Linux), so per-address
/// limits seen by one test never count another test's connections.
/// </summary>
internal static class SourceAddress
{
    private static int _next = 1;

    public static IPAddress Next()
    {
        var n = Interlocked.Increment(ref _next);
        return new IPAddress([127, (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
    }
}
