using System.Net;
using System.Net.Sockets;

namespace Gemba.Silo.Hosting;

internal static class FreePort
{
    /// <summary>A loopback port free right now, so several embedded gembas can run side by side.</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
