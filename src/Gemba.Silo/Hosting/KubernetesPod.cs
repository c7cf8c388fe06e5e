using System.Net;

namespace Gemba.Silo.Hosting;

/// <summary>
/// The pod a silo runs in, from the downward-API variables deploy/kubernetes sets (the names
/// Microsoft.Orleans.Hosting.Kubernetes reads). Null outside Kubernetes: the same binary then
/// keeps its loopback endpoints, and nothing tries to reach a Kubernetes API server.
/// </summary>
internal sealed record KubernetesPod(string Name, string Namespace, IPAddress Ip)
{
    /// <summary>Fixed ports inside a pod: its IP is its own, and the manifests name these.</summary>
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;

    public static KubernetesPod? FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var (name, ns, ip) = (read("POD_NAME"), read("POD_NAMESPACE"), read("POD_IP"));
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(ns) || string.IsNullOrEmpty(ip)) return null;
        return IPAddress.TryParse(ip, out var address)
            ? new KubernetesPod(name, ns, address)
            : throw new ArgumentException($"POD_IP '{ip}' (pod {ns}/{name}) is not an IP address");
    }
}
