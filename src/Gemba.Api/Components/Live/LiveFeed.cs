using Gemba.Events;

namespace Gemba.Api.Components.Live;

/// <summary>
/// Keeps one page current: a relevant hub event triggers a re-read (at most one per
/// <see cref="Debounce"/>, so a burst of session changes costs one query), and a slow poll covers
/// events the hub dropped (it is best effort) and changes no event announces (beads edited on disk).
/// </summary>
internal sealed class LiveFeed : IAsyncDisposable
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Task _listen;
    private readonly Task _refresh;

    private LiveFeed(IGembaEvents events, TimeProvider time, Func<GembaEvent, bool> relevant, Func<Task> reload)
    {
        _listen = ListenAsync(events, relevant, _stop.Token);
        _refresh = RefreshAsync(time, reload, _stop.Token);
    }

    public static LiveFeed Start(IGembaEvents events, TimeProvider time, Func<GembaEvent, bool> relevant, Func<Task> reload) =>
        new(events, time, relevant, reload);

    /// <summary>Re-read soon, as if an event had arrived (after an operator's own action).</summary>
    public void Nudge()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { }
        }
    }

    private async Task ListenAsync(IGembaEvents events, Func<GembaEvent, bool> relevant, CancellationToken ct)
    {
        try
        {
            await foreach (var e in events.SubscribeAsync(ct))
                if (relevant(e)) Nudge();
        }
        catch (OperationCanceledException) { }
    }

    private async Task RefreshAsync(TimeProvider time, Func<Task> reload, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using (var timeout = new CancellationTokenSource(FallbackPoll, time))
                using (var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
                {
                    try { await _signal.WaitAsync(either.Token); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
                }
                try { await reload(); }
                catch (Exception ex) when (ex is not OperationCanceledException and not ObjectDisposedException)
                {
                    // A failed read (a grain call timing out) leaves the page showing its last read,
                    // with its time; the next event or poll tries again rather than the page going dead.
                }
                // Events arriving meanwhile coalesce into the next re-read.
                await Task.Delay(Debounce, time, ct);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_listen, _refresh);
        _stop.Dispose();
        _signal.Dispose();
    }
}
