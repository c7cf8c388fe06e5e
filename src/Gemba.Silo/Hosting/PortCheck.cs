using System.Net;
using System.Net.Sockets;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Finds a port another listener holds before the silo and the web server start, so the operator
/// reads one line naming the flag instead of a bind failure surfacing as stack traces from deep in
/// Kestrel or Orleans after the silo already started.
/// </summary>
internal static class PortCheck
{
    /// <summary>The first of the ports this serve will bind that is taken, as a message naming its flag; null when all are free.</summary>
    public static string? FirstInUse(ServeOptions options)
    {
        if (Address(options.Listen) is { } http && InUse(http, options.Port))
            return InUseMessage("--port", options.Listen, options.Port);
        // Orleans binds its own ports on loopback; a zero port is picked free at start.
        if (options.SiloPort > 0 && InUse(IPAddress.Loopback, options.SiloPort))
            return InUseMessage("--silo-port", "127.0.0.1", options.SiloPort);
        if (options.GatewayPort > 0 && InUse(IPAddress.Loopback, options.GatewayPort))
            return InUseMessage("--gateway-port", "127.0.0.1", options.GatewayPort);
        return null;
    }

    public static string InUseMessage(string flag, string host, int port) =>
        $"gemba: {flag} {port}: {host}:{port} is already in use by another program (another gemba?); stop it or choose another port";

    private static IPAddress? Address(string listen) => listen switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ => IPAddress.TryParse(listen.Trim('[', ']'), out var ip) ? ip : null,
    };

    private static bool InUse(IPAddress address, int port)
    {
        try
        {
            using var probe = new TcpListener(address, port);
            probe.Start();
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            // Not ours to judge here (an address this host lacks ...): the server's own bind reports it.
            return false;
        }
    }
}
