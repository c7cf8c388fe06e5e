using Gemba.Dispatch;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Bounded recent-decisions log. A waiting bead is re-decided every cycle; only a change of its
/// outcome or reason is logged again, so the log shows history rather than ten thousand repeats.
/// </summary>
internal sealed class DecisionLog(int capacity)
{
    private readonly Queue<DispatchDecision> _recent = new();
    private readonly Dictionary<string, (string Outcome, string Reason)> _last = new(StringComparer.Ordinal);

    /// <summary>Bumped by every logged decision, so the owner knows when there is something new to persist.</summary>
    public long Version { get; private set; }

    /// <summary>Oldest first: what the grain persists, and what <see cref="Restore"/> takes back.</summary>
    public IReadOnlyList<DispatchDecision> Snapshot() => [.. _recent];

    /// <summary>Refills the log after a restart; the repeat filter learns each bead's last decision again.</summary>
    public void Restore(IEnumerable<DispatchDecision> decisions)
    {
        foreach (var decision in decisions) Add(decision);
        Version = 0;
    }

    /// <summary>Returns false when the decision repeats the bead's previous one.</summary>
    public bool Add(DispatchDecision decision)
    {
        if (decision.BeadId.Length > 0 && decision.Outcome != DispatchOutcome.Dispatched
            && _last.TryGetValue(decision.BeadId, out var last) && last == (decision.Outcome, decision.Reason))
            return false;
        if (decision.BeadId.Length > 0)
        {
            if (decision.Outcome == DispatchOutcome.Dispatched) _last.Remove(decision.BeadId);
            else _last[decision.BeadId] = (decision.Outcome, decision.Reason);
            if (_last.Count > capacity * 4) _last.Clear();
        }
        _recent.Enqueue(decision);
        while (_recent.Count > capacity) _recent.Dequeue();
        Version++;
        return true;
    }

    /// <summary>Most recent first.</summary>
    public IReadOnlyList<DispatchDecision> Recent(int limit) =>
        _recent.Reverse().Take(Math.Clamp(limit, 0, capacity)).ToList();
}
