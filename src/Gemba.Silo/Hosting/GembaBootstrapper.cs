using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Pools;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Once the silo is up: applies the config to the cluster, pre-seeds mock pools, turns work-plane
/// changes into dispatcher pokes, and hot-reloads the configuration when pool.toml, agents.toml or a
/// persona file changes on disk (the three are checked together; a set with errors is not applied).
/// </summary>
internal sealed partial class GembaBootstrapper(
    IGrainFactory grains,
    IWorkPlane workPlane,
    ConfigState config,
    ILogger<GembaBootstrapper> log) : IHostedService, IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private Timer? _debounce;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Apply(config.Current.Resolved);
        if (config.Options.Orchestration == "mock")
            foreach (var pool in config.Current.Resolved.Pools)
                await grains.GetGrain<IPoolGrain>(pool.Key.ToString()).Seed(1);
        workPlane.Changed += PokeAll;
        _debounce = new Timer(_ => ReloadFromDisk(), null, Timeout.Infinite, Timeout.Infinite);
        WatchFile(config.Options.PoolConfig);
        WatchFile(config.Options.AgentsRegistry);
        WatchDirectory(config.Options.PersonasDir, "*.toml");
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        workPlane.Changed -= PokeAll;
        DisposeWatchers();
        return Task.CompletedTask;
    }

    private Task Apply(ResolvedConfig resolved) => grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Apply(resolved);

    private void PokeAll()
    {
        foreach (var scope in config.Current.Resolved.Scopes)
            grains.GetGrain<IDispatcherGrain>(scope).Poke().Ignore();
    }

    private void WatchFile(string path)
    {
        var full = Path.GetFullPath(path);
        Watch(Path.GetDirectoryName(full)!, Path.GetFileName(full));
    }

    private void WatchDirectory(string path, string filter) => Watch(Path.GetFullPath(path), filter);

    /// <summary>Editors save by rename as often as in place, so renames and deletions count as changes too.</summary>
    private void Watch(string directory, string filter)
    {
        if (!Directory.Exists(directory)) return;
        var watcher = new FileSystemWatcher(directory, filter)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        FileSystemEventHandler changed = (_, _) => _debounce!.Change(200, Timeout.Infinite);
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => _debounce!.Change(200, Timeout.Infinite);
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void DisposeWatchers()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        _watchers.Clear();
    }

    private void ReloadFromDisk()
    {
        // An editor that saves in place truncates the file, then writes it: a read in between sees an empty
        // pool.toml, which is a valid config (no pools) and would drain every pool. Only files that stay
        // the same for a moment are read; one still changing gets the next look.
        var before = Fingerprint();
        Thread.Sleep(SettleTime);
        if (Fingerprint() != before)
        {
            _debounce!.Change(200, Timeout.Infinite);
            return;
        }
        var (set, adopted) = config.Reload();
        if (!adopted)
        {
            foreach (var finding in set.Findings.Where(f => f.Severity == FindingSeverity.Error)) LogReloadRejected(finding.ToString());
            return;
        }
        LogReloaded(set.Resolved.Pools.Count);
        Apply(set.Resolved).ContinueWith(t => LogApplyFailed(t.Exception!), TaskContinuationOptions.OnlyOnFaulted);
    }

    private static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(100);

    /// <summary>Size and write time of every config file: what changes while one is being written.</summary>
    private string Fingerprint()
    {
        var options = config.Options;
        var files = new[] { options.PoolConfig, options.AgentsRegistry }
            .Concat(Directory.Exists(options.PersonasDir) ? Directory.EnumerateFiles(options.PersonasDir, "*.toml").Order(StringComparer.Ordinal) : []);
        return string.Join('|', files.Select(f => new FileInfo(f) is { Exists: true } i ? $"{f}:{i.Length}:{i.LastWriteTimeUtc.Ticks}" : $"{f}:-"));
    }

    public void Dispose()
    {
        DisposeWatchers();
        _debounce?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "config change not applied: {Finding}")]
    private partial void LogReloadRejected(string finding);

    [LoggerMessage(Level = LogLevel.Information, Message = "config reloaded (pool.toml, agents.toml, personas): {Pools} pool(s) in force")]
    private partial void LogReloaded(int pools);

    [LoggerMessage(Level = LogLevel.Error, Message = "applying the reloaded pool config failed")]
    private partial void LogApplyFailed(Exception ex);
}
