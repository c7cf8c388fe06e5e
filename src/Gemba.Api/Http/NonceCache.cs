namespace Gemba.Api.Http;

/// <summary>How much the confirm-nonce cache may hold; docs/http-api.md explains the numbers.</summary>
internal sealed record NonceCacheLimits(int MaxEntries, long MaxTotalBytes, int MaxEntryBytes, TimeSpan Ttl)
{
    /// <summary>
    /// 1024 nonces is far above what the UI and the agents send in five minutes; 16 MiB bounds the
    /// memory even if each of them answered big; a single answer over 256 KiB is not kept (our
    /// answers are a few hundred bytes; a bigger one only echoes a big request).
    /// </summary>
    public static NonceCacheLimits Default { get; } = new(1024, 16L * 1024 * 1024, 256 * 1024, TimeSpan.FromMinutes(5));
}

/// <summary>A response as the client saw it the first time.</summary>
internal sealed record NonceResponse(int Status, string? ContentType, byte[] Body);

/// <summary>What a request with a nonce must do, as decided by <see cref="NonceCache.Claim"/>.</summary>
internal abstract record NonceClaim
{
    private NonceClaim() { }

    /// <summary>First use: run the handler, then <see cref="NonceCache.Complete"/> or <see cref="NonceCache.Abandon"/>.</summary>
    public sealed record Run : NonceClaim
    {
        public static Run Instance { get; } = new();
    }

    /// <summary>Already answered: send this again.</summary>
    public sealed record Replay(NonceResponse Response) : NonceClaim;

    /// <summary>Already ran, but its answer was too big to keep: the side effect must not run again.</summary>
    public sealed record RanUncached(int Status, int Bytes) : NonceClaim;

    /// <summary>Another request with this nonce is running now: its answer (or null if it gave none worth keeping) is ours.</summary>
    public sealed record Wait(Task<NonceResponse?> Outcome) : NonceClaim;
}

/// <summary>
/// The replay memory behind <see cref="ConfirmNonceMiddleware"/>: one slot per (method, route, nonce),
/// either in flight (the first request is still running; later ones wait on it) or answered (kept for
/// the TTL). Bounded in entries and in bytes; evicts oldest first, which with one TTL is also the
/// soonest to expire. Pure and clocked by the injected <see cref="TimeProvider"/> so it can be tested.
/// </summary>
internal sealed class NonceCache(TimeProvider time, NonceCacheLimits limits)
{
    /// <summary>What a slot costs besides its body: the key, the record, the list node; an estimate, on the safe side.</summary>
    private const int SlotOverheadBytes = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _answered = new();
    private long _bytes;

    public int AnsweredCount
    {
        get { lock (_lock) return _answered.Count; }
    }

    public long CachedBytes
    {
        get { lock (_lock) return _bytes; }
    }

    public NonceClaim Claim(string key)
    {
        lock (_lock)
        {
            DropExpired(time.GetUtcNow());
            if (_slots.TryGetValue(key, out var slot))
            {
                if (slot.InFlight is { } flight) return new NonceClaim.Wait(flight.Task);
                return slot.Response is { } kept ? new NonceClaim.Replay(kept) : new NonceClaim.RanUncached(slot.Status, slot.Bytes);
            }
            _slots[key] = new Slot { InFlight = new TaskCompletionSource<NonceResponse?>(TaskCreationOptions.RunContinuationsAsynchronously) };
            return NonceClaim.Run.Instance;
        }
    }

    /// <summary>The handler answered: keep it (or a marker if too big) and release whoever waits, with the full answer either way.</summary>
    public void Complete(string key, NonceResponse response)
    {
        TaskCompletionSource<NonceResponse?>? flight;
        lock (_lock)
        {
            flight = TakeInFlight(key);
            var keep = response.Body.Length <= limits.MaxEntryBytes;
            var slot = new Slot
            {
                Response = keep ? response : null,
                Status = response.Status,
                Bytes = response.Body.Length,
                Cost = SlotOverheadBytes + key.Length * sizeof(char) + (keep ? response.Body.Length : 0),
                Expires = time.GetUtcNow() + limits.Ttl,
                Node = _answered.AddLast(key),
            };
            _slots[key] = slot;
            _bytes += slot.Cost;
            while (_answered.Count > limits.MaxEntries || (_bytes > limits.MaxTotalBytes && _answered.Count > 0)) Drop(_answered.First!.Value);
        }
        flight?.TrySetResult(response);
    }

    /// <summary>The handler failed or gave a 5xx: forget the nonce so a retry runs again; waiters then claim afresh.</summary>
    public void Abandon(string key)
    {
        TaskCompletionSource<NonceResponse?>? flight;
        lock (_lock)
        {
            flight = TakeInFlight(key);
            if (flight is not null) _slots.Remove(key);
        }
        flight?.TrySetResult(null);
    }

    private TaskCompletionSource<NonceResponse?>? TakeInFlight(string key) =>
        _slots.TryGetValue(key, out var slot) ? slot.InFlight : null;

    private void DropExpired(DateTimeOffset now)
    {
        while (_answered.First is { } oldest && _slots[oldest.Value].Expires <= now) Drop(oldest.Value);
    }

    private void Drop(string key)
    {
        var slot = _slots[key];
        _slots.Remove(key);
        _answered.Remove(slot.Node!);
        _bytes -= slot.Cost;
    }

    private sealed class Slot
    {
        public TaskCompletionSource<NonceResponse?>? InFlight { get; init; }
        public NonceResponse? Response { get; init; }
        public int Status { get; init; }
        public int Bytes { get; init; }
        public long Cost { get; init; }
        public DateTimeOffset Expires { get; init; }
        public LinkedListNode<string>? Node { get; init; }
    }
}
