using Gemba.Beads;
using Gemba.WorkItems;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Dispatch's failure rules, apart from the grain that keeps the records: a bead's failures count once
/// per session, each retry waits twice as long as the last, and the <c>MaxAttempts</c>-th failure parks it
/// (left open, labelled, never auto-dispatched until an operator unparks it).
/// </summary>
internal static class FailurePolicy
{
    public enum Hold
    {
        /// <summary>Nothing holds the bead back.</summary>
        None,

        /// <summary>Held back: parked, moved to the backlog, or inside its retry back-off.</summary>
        Held,

        /// <summary>Its parked record lost its label (an operator removed it): forget the failures, then dispatch.</summary>
        Forget,
    }

    /// <summary>The record after <paramref name="sessionId"/>'s failure; null when that session's failure is already counted.</summary>
    /// <param name="failedAt">When the session failed. The dispatcher may hear of it later (a one-way call, or the next
    /// cycle's reconcile), so the back-off runs from here; a time ahead of <paramref name="now"/> (another silo's clock) is capped,
    /// and an unknown one (default: a caller that did not send it) counts from <paramref name="now"/>.</param>
    public static BeadFailureRecord? Count(BeadFailureRecord? known, string sessionId, string reason, DateTimeOffset failedAt, DateTimeOffset now,
        int maxAttempts, TimeSpan retryBackoff)
    {
        if (known is not null && known.Sessions.Contains(sessionId)) return null;
        var sessions = known is null ? [sessionId] : known.Sessions.Append(sessionId).ToList();
        var backoff = retryBackoff * Math.Pow(2, sessions.Count - 1);
        var from = failedAt != default && failedAt < now ? failedAt : now;
        return new BeadFailureRecord(sessions, reason, from + backoff, sessions.Count >= maxAttempts);
    }

    /// <summary>For the decisions log.</summary>
    public static string Describe(BeadFailureRecord record) =>
        record.Parked
            ? $"parked after {record.Count} failed attempts; last: {record.LastReason}"
            : $"attempt {record.Count} failed: {record.LastReason}; retry after {record.RetryAfter:O}";

    /// <param name="parkedThisCycle">Parked by the reconcile of the cycle that read <paramref name="bead"/>: its label is not in the snapshot yet.</param>
    public static Hold HoldOf(Bead bead, BeadFailureRecord? failure, bool parkedThisCycle, DateTimeOffset now, string parkedLabel)
    {
        if (bead.HasLabel(parkedLabel) || bead.HasLabel(StateCategories.BacklogLabel)) return Hold.Held;
        if (failure is null) return Hold.None;
        if (failure.Parked) return parkedThisCycle ? Hold.Held : Hold.Forget;
        return failure.RetryAfter > now ? Hold.Held : Hold.None;
    }
}
