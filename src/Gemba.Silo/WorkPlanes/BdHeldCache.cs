using Gemba.Beads;

namespace Gemba.Silo.WorkPlanes;

/// <summary>
/// The held (in-progress, hooked) beads as the last <c>bd list</c> showed them, kept current with our
/// own claims, releases and closes. It stands in for another <c>bd list</c> or a fencing <c>bd show</c>
/// only while the change feed proves that no other process has written the database since the list
/// was read (<see cref="BdChangeFeed.QuietSince"/>); anything we cannot account for drops it.
/// </summary>
internal sealed class BdHeldCache
{
    private readonly Lock _lock = new();
    private Dictionary<string, Bead>? _held;
    private long _foreignEpoch;
    private long _ownWrites;

    /// <summary>Taken before the list call, so a write of ours racing that call is not lost.</summary>
    public long OwnWrites
    {
        get
        {
            lock (_lock) return _ownWrites;
        }
    }

    /// <summary>
    /// Adopts a fresh list result read with no foreign change before <paramref name="foreignEpoch"/>;
    /// ignored when one of our own writes landed while the list was being read.
    /// </summary>
    public void Reset(IEnumerable<Bead> held, long foreignEpoch, long ownWritesBefore)
    {
        lock (_lock)
        {
            if (_ownWrites != ownWritesBefore)
            {
                _held = null;
                return;
            }
            _held = held.ToDictionary(b => b.Id, StringComparer.Ordinal);
            _foreignEpoch = foreignEpoch;
        }
    }

    public bool TryGet(out IReadOnlyList<Bead> held, out long foreignEpoch)
    {
        lock (_lock)
        {
            held = _held is null ? [] : [.. _held.Values];
            foreignEpoch = _foreignEpoch;
            return _held is not null;
        }
    }

    /// <summary>Who holds <paramref name="beadId"/> by our own account (null: unknown or nobody).</summary>
    public string? HolderOf(string beadId, out long foreignEpoch)
    {
        lock (_lock)
        {
            foreignEpoch = _foreignEpoch;
            return _held is not null && _held.TryGetValue(beadId, out var bead) ? bead.Assignee : null;
        }
    }

    public void Claimed(Bead bead) => Mutate(held => held[bead.Id] = bead);

    public void Finished(string beadId) => Mutate(held => held.Remove(beadId));

    /// <summary>A write of ours whose effect we cannot tell (it failed, or changed more than we track).</summary>
    public void Invalidate() => Mutate(null);

    private void Mutate(Action<Dictionary<string, Bead>>? apply)
    {
        lock (_lock)
        {
            _ownWrites++;
            if (apply is null) _held = null;
            else if (_held is not null) apply(_held);
        }
    }
}
