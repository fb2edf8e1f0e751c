using System.Net;
using System.Net.Sockets;

namespace IotAi.Tests.Shared;

internal static class FreePort
{
    /// <summary>A loopback port nobody listens on now; the OS hands out a different one each time.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
