using Gemba.Config;
using Gemba.Dispatch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Keeps every scope's dispatcher running on the silo its placement picks as silos come and go.
/// A silo declared dead: its dispatchers are otherwise brought back only by their next reminder tick
/// (up to a minute later), so every dispatcher is poked, which reactivates the lost ones on survivors,
/// and their first cycle reconciles the dead silo's claims. The set of silos able to host dispatchers
/// changed (a join, a death, a leave): every dispatcher is asked to check its placement and moves when
/// it belongs elsewhere now. Every silo asks; the asks are idempotent.
/// </summary>
internal sealed partial class MembershipWatcher(
    IClusterMembershipService membership,
    IClusterManifestProvider manifests,
    IGrainFactory grains,
    ConfigState config,
    TimeProvider time,
    ILogger<MembershipWatcher> log) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private const int Attempts = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(WatchDeaths(stoppingToken), WatchSilos(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task WatchDeaths(CancellationToken stoppingToken)
    {
        var previous = membership.CurrentSnapshot;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
        {
            var died = snapshot.CreateUpdate(previous).Changes
                .Where(m => m.Status == SiloStatus.Dead && previous.GetSiloStatus(m.SiloAddress) != SiloStatus.Dead)
                .ToList();
            previous = snapshot;
            if (died.Count == 0) continue;
            LogSiloDead(string.Join(", ", died.Select(d => d.SiloAddress.ToString())));
            await ForEachDispatcher("wake", d => d.Poke(), stoppingToken);
        }
    }

    /// <summary>
    /// Placement chooses among the silos in the cluster manifest, which trails membership (a joining
    /// silo's grain types are fetched after it is active): so re-spreading follows the manifest.
    /// </summary>
    private async Task WatchSilos(CancellationToken stoppingToken)
    {
        var known = Silos(manifests.Current);
        await foreach (var manifest in manifests.Updates.WithCancellation(stoppingToken))
        {
            var now = Silos(manifest);
            if (now.SetEquals(known)) continue;
            known = now;
            LogRespread(now.Count);
            // And a poke: an ask that activates a dispatcher lost with a dead silo must also make it work.
            await ForEachDispatcher("re-place", async d => { await d.CheckPlacement(); await d.Poke(); }, stoppingToken);
        }
    }

    private static HashSet<SiloAddress> Silos(Orleans.Metadata.ClusterManifest manifest) => [.. manifest.Silos.Keys];

    /// <summary>Right after a death the directory may still point at the dead silo: retry briefly, then leave it to the reminder.</summary>
    private async Task ForEachDispatcher(string what, Func<IDispatcherGrain, Task> call, CancellationToken stoppingToken)
    {
        foreach (var scope in config.Current.Resolved.Scopes)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await call(grains.GetGrain<IDispatcherGrain>(scope));
                    break;
                }
                catch (Exception ex) when (attempt < Attempts && !stoppingToken.IsCancellationRequested)
                {
                    LogRetry(what, scope, attempt, ex.Message);
                    await Task.Delay(RetryDelay, time, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(what, scope, ex);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: silo {Silos} declared dead; waking the dispatchers so theirs resume on a survivor")]
    private partial void LogSiloDead(string silos);

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster: {Count} silo(s) can host dispatchers now; asking each dispatcher to check its placement")]
    private partial void LogRespread(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster: {What} of dispatcher {Scope} failed (attempt {Attempt}): {Reason}")]
    private partial void LogRetry(string what, string scope, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not {What} dispatcher {Scope} after a membership change; its reminder will bring it back")]
    private partial void LogFailed(string what, string scope, Exception ex);
}
