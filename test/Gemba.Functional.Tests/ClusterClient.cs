using Gemba.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Gemba.Functional.Tests;

/// <summary>
/// An Orleans client of a Redis cluster of gemba silos, for what only the cluster can say: which
/// silo hosts a grain (the management grain's view), to kill the right one.
/// </summary>
internal sealed class ClusterClient : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterClient(IHost host) => _host = host;

    public static async Task<ClusterClient> ConnectAsync(int redisPort, string serviceId = "gemba", string clusterId = "gemba")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{redisPort}"));
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, clusterId));
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new ClusterClient(host);
    }

    private IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silo-to-silo port of the silo hosting the scope's dispatcher (activating it if it is not).</summary>
    public async Task<int> DispatcherSiloPort(string scope)
    {
        var dispatcher = Client.GetGrain<IDispatcherGrain>(scope);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await dispatcher.GetDecisions(1);
                var silo = await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(dispatcher);
                if (silo is not null) return silo.Endpoint.Port;
            }
            catch (Exception ex) when (ex is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException && DateTime.UtcNow < deadline)
            {
                // membership is still settling after a kill
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"the cluster did not say within 60 s where the dispatcher of {scope} runs");
            await Task.Delay(250);
        }
    }

    /// <summary>How many silos the cluster's membership counts as active; null while it cannot say (the management grain is moving).</summary>
    public async Task<int?> ActiveSiloCount()
    {
        try
        {
            var hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5));
            return hosts.Count;
        }
        catch (Exception ex) when (ex is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException)
        {
            return null;
        }
    }

    /// <summary>
    /// The silo-to-silo port of the scope's dispatcher once <paramref name="silos"/> silos are active and it
    /// sits where placement by scope puts it: right after the cluster forms it may still be moving there.
    /// </summary>
    public async Task<int> SettledDispatcherSiloPort(string scope, int silos)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var (expected, now, active) = (0, 0, new Dictionary<string, int>());
        while (DateTime.UtcNow < deadline)
        {
            active = await ActiveSilos();
            if (active.Count == silos)
            {
                expected = active[Gemba.Grains.Dispatch.Placement.ScopeSpread.Choose(scope, active.Keys)!];
                now = await DispatcherSiloPort(scope);
                if (now == expected) return now;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the dispatcher of {scope} did not settle within 60 s over {silos} silos ({string.Join(", ", active.Keys)}): expected on :{expected}, on :{now}");
        return now;
    }

    /// <summary>The active silos as placement names them (address text) with their silo-to-silo ports.</summary>
    public async Task<Dictionary<string, int>> ActiveSilos()
    {
        var hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return hosts.Keys.ToDictionary(s => s.ToParsableString(), s => s.Endpoint.Port, StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _host.Dispose();
    }
}
