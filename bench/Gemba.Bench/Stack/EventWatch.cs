using System.Collections.Concurrent;
using System.Diagnostics;
using Gemba.Events;

namespace Gemba.Bench.Stack;

/// <summary>
/// Subscribes to the silo's EventHub (as the SSE endpoint does) and lets a measure await one
/// event, stamped with the Stopwatch tick at which it arrived here.
/// </summary>
internal sealed class EventWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Kind, string Key), TaskCompletionSource<long>> _waiting = new();
    private readonly Task _reader;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _probe = "bench.probe." + Guid.NewGuid().ToString("N");

    private EventWatch(IGembaEvents events) => _reader = Task.Run(() => ReadAsync(events));

    public static async Task<EventWatch> StartAsync(IGembaEvents events)
    {
        var watch = new EventWatch(events);
        // The hub registers a subscriber lazily, on first read: publish probes until one comes back.
        while (!watch._subscribed.Task.IsCompleted)
        {
            events.Publish(new GembaEvent(watch._probe, DateTimeOffset.UtcNow));
            await Task.WhenAny(watch._subscribed.Task, Task.Delay(10));
        }
        return watch;
    }

    /// <summary>Registers interest before the action that causes the event, so it cannot be missed.</summary>
    public Task<long> Expect(string kind, string key) =>
        _waiting.GetOrAdd((kind, key), _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private async Task ReadAsync(IGembaEvents events)
    {
        try
        {
            await foreach (var e in events.SubscribeAsync(_stop.Token))
            {
                var at = Stopwatch.GetTimestamp();
                if (e.Kind == _probe) { _subscribed.TrySetResult(); continue; }
                // Dispatches are keyed by bead; session changes by bead and message (e.g. "bead-done").
                var key = e.Kind == GembaEventKinds.SessionChanged ? $"{e.BeadId}|{e.Message}" : e.BeadId ?? "";
                if (_waiting.TryRemove((e.Kind, key), out var tcs)) tcs.TrySetResult(at);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        _stop.Dispose();
    }
}
