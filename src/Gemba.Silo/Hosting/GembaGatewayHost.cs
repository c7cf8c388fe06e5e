using Gemba.Config;
using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Builds <c>gemba gateway</c>: the HTTP API and the web UI as an Orleans client of a redis cluster of
/// <c>gemba serve</c> silos. It hosts no grain: every read and action goes to the cluster, and live
/// events come from every silo through Redis. It reads the same workspace (pool.toml, the beads) as
/// the silos, so it runs on their host or on a shared mount.
/// </summary>
public static partial class GembaGatewayHost
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public static WebApplication Build(ServeOptions options, ConfigState config, IWorkPlane workPlane)
    {
        var builder = GembaWebHost.CreateBuilder(options);
        var redis = GembaWebHost.Redis(options) ?? throw new ArgumentException("gemba gateway needs --redis host:port");
        GembaWebHost.AddWorkspace(builder.Services, options, config, workPlane, redis);
        builder.Services.AddSingleton(options);

        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
            // A manual start waits for the agent's pane as the silo's own callers do (GembaSiloHost).
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(3));
            client.AddGembaTelemetry(options, GembaSiloHost.Version);
            client.Services.AddSingleton<IClientConnectionRetryFilter, WaitForSilos>();
        });
        return GembaWebHost.Finish(builder, options);
    }

    /// <summary>Started before the silos (a deploy script, a unit restart), the gateway waits for them rather than exiting.</summary>
    private sealed partial class WaitForSilos(ServeOptions options, TimeProvider time, ILogger<WaitForSilos> log) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            LogWaiting(options.ClusterId, exception.Message);
            await Task.Delay(RetryDelay, time, cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "gateway: no silo of cluster {ClusterId} answers yet ({Reason}); retrying")]
        private partial void LogWaiting(string clusterId, string reason);
    }
}
