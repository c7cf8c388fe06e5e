using Gemba.Config;
using Gemba.Dispatch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Hosting;

/// <summary>
/// Pokes every scope's dispatcher when a silo of the cluster is declared dead. A dispatcher that
/// lived on the dead silo is otherwise brought back only by its next reminder tick (up to a minute
/// later): once the survivors' members finish what they hold, no bead-done or file change pokes it.
/// The poke reactivates it on a survivor, and its first cycle reconciles the dead silo's claims.
/// </summary>
internal sealed partial class SiloLossWatcher(
    IClusterMembershipService membership,
    IGrainFactory grains,
    ConfigState config,
    TimeProvider time,
    ILogger<SiloLossWatcher> log) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private const int PokeAttempts = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var previous = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var died = snapshot.CreateUpdate(previous).Changes
                    .Where(m => m.Status == SiloStatus.Dead && previous.GetSiloStatus(m.SiloAddress) != SiloStatus.Dead)
                    .ToList();
                previous = snapshot;
                if (died.Count == 0) continue;
                LogSiloDead(string.Join(", ", died.Select(d => d.SiloAddress.ToString())));
                await PokeAll(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Right after a death the directory may still point at the dead silo: retry briefly, then leave it to the reminder.</summary>
    private async Task PokeAll(CancellationToken stoppingToken)
    {
        foreach (var scope in config.Current.Resolved.Scopes)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await grains.GetGrain<IDispatcherGrain>(scope).Poke();
                    break;
                }
                catch (Exception ex) when (attempt < PokeAttempts && !stoppingToken.IsCancellationRequested)
                {
                    LogPokeRetry(scope, attempt, ex.Message);
                    await Task.Delay(RetryDelay, time, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogPokeFailed(scope, ex);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: silo {Silos} declared dead; waking the dispatchers so theirs resume on a survivor")]
    private partial void LogSiloDead(string silos);

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster: poke of dispatcher {Scope} failed (attempt {Attempt}): {Reason}")]
    private partial void LogPokeRetry(string scope, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster: could not wake dispatcher {Scope} after a silo died; its reminder will")]
    private partial void LogPokeFailed(string scope, Exception ex);
}
