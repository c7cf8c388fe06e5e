namespace Gemba.Api.Http;

/// <summary>
/// One read shared by many callers. Concurrent callers join the read in flight; a finished read is
/// reused for <c>maxAge</c>; up to <c>staleAge</c> it is still answered at once while one fresh read
/// runs behind it, so under load no caller waits for a re-read. <see cref="Invalidate"/> (a change was
/// made) makes the next answer wait for a read that started after it, so a caller never reads back a
/// state older than its own change. A failed read is not kept: the next caller starts another.
/// </summary>
public sealed class SharedRead<T>(Func<Task<T>> read, TimeProvider time, TimeSpan maxAge, TimeSpan staleAge)
{
    private readonly Lock _gate = new();
    private long _generation;
    private Read? _done;
    private Read? _running;

    private sealed record Read(long Generation, long StartedAt, Task<T> Value);

    public Task<T> GetAsync()
    {
        lock (_gate)
        {
            if (_running is { } finished && finished.Value.IsCompleted)
            {
                if (finished.Value.IsCompletedSuccessfully) _done = finished;
                _running = null;
            }
            var generation = Interlocked.Read(ref _generation);
            if (_done is { } done && done.Generation == generation)
            {
                var age = time.GetElapsedTime(done.StartedAt);
                if (age < maxAge) return done.Value;
                if (age < staleAge)
                {
                    _running ??= Start(generation);
                    return done.Value;
                }
            }
            if (_running is not { } current || current.Generation != generation) current = _running = Start(generation);
            return current.Value;
        }
    }

    /// <summary>Something changed: reads started before now are not handed out again.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private Read Start(long generation) => new(generation, time.GetTimestamp(), RunAsync());

    private async Task<T> RunAsync()
    {
        // Off the caller's stack and lock: callers that join this read must not wait on the first one's continuation.
        await Task.Yield();
        return await read();
    }
}
