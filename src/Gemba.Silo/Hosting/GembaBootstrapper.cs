using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Pools;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Once the silo is up: applies the config to the cluster, pre-seeds mock pools, turns work-plane
/// changes into dispatcher pokes, and hot-reloads pool.toml when it changes on disk.
/// </summary>
internal sealed partial class GembaBootstrapper(
    IGrainFactory grains,
    IWorkPlane workPlane,
    ConfigState config,
    ILogger<GembaBootstrapper> log) : IHostedService, IDisposable
{
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Apply(config.Current.Resolved);
        if (config.Options.Orchestration == "mock")
            foreach (var pool in config.Current.Resolved.Pools)
                await grains.GetGrain<IPoolGrain>(pool.Key.ToString()).Seed(1);
        workPlane.Changed += PokeAll;
        Watch(config.Options.PoolConfig);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        workPlane.Changed -= PokeAll;
        _watcher?.Dispose();
        return Task.CompletedTask;
    }

    private Task Apply(ResolvedConfig resolved) => grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Apply(resolved);

    private void PokeAll()
    {
        foreach (var scope in config.Current.Resolved.Scopes)
            grains.GetGrain<IDispatcherGrain>(scope).Poke().Ignore();
    }

    private void Watch(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) return;
        _debounce = new Timer(_ => ReloadFromDisk(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(dir, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            EnableRaisingEvents = true,
        };
        FileSystemEventHandler changed = (_, _) => _debounce.Change(200, Timeout.Infinite);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Renamed += (_, _) => _debounce.Change(200, Timeout.Infinite);
    }

    private void ReloadFromDisk()
    {
        var (set, adopted) = config.Reload();
        if (!adopted)
        {
            foreach (var finding in set.Findings.Where(f => f.Severity == FindingSeverity.Error)) LogReloadRejected(finding.ToString());
            return;
        }
        LogReloaded(set.Resolved.Pools.Count);
        Apply(set.Resolved).ContinueWith(t => LogApplyFailed(t.Exception!), TaskContinuationOptions.OnlyOnFaulted);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pool config change not applied: {Finding}")]
    private partial void LogReloadRejected(string finding);

    [LoggerMessage(Level = LogLevel.Information, Message = "pool config reloaded: {Pools} pool(s) in force")]
    private partial void LogReloaded(int pools);

    [LoggerMessage(Level = LogLevel.Error, Message = "applying the reloaded pool config failed")]
    private partial void LogApplyFailed(Exception ex);
}
