using Gemba.Grains.Dispatch;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Grains.Sessions;

/// <summary>A pool member's state as its grain persists it. Transitions never mutate; they return a new snapshot.</summary>
/// <param name="Incarnation">Fencing token: bumped on every new bead and every recycle.</param>
/// <param name="FailureCount">Failures of this member (a member fails at most once; kept for the record).</param>
[GenerateSerializer, Immutable, Alias("gemba.state.SessionSnapshot")]
public sealed record SessionSnapshot(
    string SessionId,
    PoolKey Pool,
    SessionStatus Status,
    string? CurrentBead,
    string? ClaimToken,
    long Incarnation,
    int BeadsDone,
    int BeadsSinceRecycle,
    AffinityProfile Profile,
    DateTimeOffset CreatedAt,
    DateTimeOffset StatusSince,
    DateTimeOffset? LastDispatchAt,
    DateTimeOffset? LastRecycleAt,
    string? LastBead,
    string? Reason,
    int FailureCount)
{
    public MemberSummary ToSummary(string? paneId = null) => new(
        SessionId, Pool, Status, CurrentBead, LastBead, BeadsDone, BeadsSinceRecycle, Incarnation, Profile,
        CreatedAt, StatusSince, LastDispatchAt, LastRecycleAt, paneId, Reason);
}

/// <param name="Changed">Whether <paramref name="Next"/> must be persisted and announced.</param>
/// <param name="Rejection">Why the request was refused; null when accepted (or a harmless no-op).</param>
/// <param name="Escalation">An escalation kind the grain must raise (dirty worktree at bead-done).</param>
public sealed record Transition(SessionSnapshot Next, bool Changed, string? Rejection, string? Escalation = null)
{
    public bool Accepted => Rejection is null;

    internal static Transition To(SessionSnapshot next) => new(next, true, null);
    internal static Transition Same(SessionSnapshot s) => new(s, false, null);
    internal static Transition Reject(SessionSnapshot s, string why) => new(s, false, why);
}

/// <summary>
/// The member lifecycle of DESIGN §4.8: <c>initializing → working → ready → working …</c>,
/// <c>ready → recycling → ready</c>, <c>ready → completed</c> when idle too long, <c>→ failed</c>.
/// The claim token fences late signals: a bead-done for an earlier bead can never finish the current one.
/// </summary>
public static class SessionStateMachine
{
    /// <summary>Escalation kind raised when an agent reports bead-done with uncommitted work (original §2.2).</summary>
    public const string DirtyWorktreeEscalation = "bead_done_with_dirty_worktree";

    /// <summary>Reason prefix of a member that never started: its pool backs off, the bead is not blamed.</summary>
    public const string SpawnFailedPrefix = "spawn failed: ";

    public static bool IsSpawnFailure(MemberSummary m) =>
        m.Status == SessionStatus.Failed && m.Reason?.StartsWith(SpawnFailedPrefix, StringComparison.Ordinal) == true;

    public static SessionSnapshot Create(string sessionId, PoolKey pool, DateTimeOffset now) => new(
        sessionId, pool, SessionStatus.Initializing, null, null, 0, 0, 0, AffinityProfile.Empty,
        now, now, null, null, null, null, 0);

    public static Transition Assign(SessionSnapshot s, BeadAssignment assignment, DateTimeOffset now)
    {
        if (s.CurrentBead == assignment.BeadId && s.ClaimToken == assignment.ClaimToken) return Transition.Same(s);
        if (s.Status.IsTerminal()) return Transition.Reject(s, $"session {s.Status.ToWire()}");
        if (s.CurrentBead is { } held) return Transition.Reject(s, $"session busy with {held}");
        if (s.Status is not (SessionStatus.Initializing or SessionStatus.Ready))
            return Transition.Reject(s, $"session busy ({s.Status.ToWire()})");
        return Transition.To(s with
        {
            Status = SessionStatus.Working,
            CurrentBead = assignment.BeadId,
            ClaimToken = assignment.ClaimToken,
            Incarnation = s.Incarnation + 1,
            StatusSince = now,
            LastDispatchAt = now,
            Reason = null,
        });
    }

    /// <param name="beadId">The bead the agent says it finished; null = "the current one".</param>
    /// <param name="claimToken">The claim the signal belongs to, when the caller knows it.</param>
    /// <param name="traits">What the bead was about, for the profile; null leaves concepts untouched.</param>
    public static Transition BeadDone(
        SessionSnapshot s, string? beadId, string? claimToken, BeadTraits? traits, bool worktreeClean, DateTimeOffset now)
    {
        // A retried signal for the bead just finished is harmless.
        if (s.Status == SessionStatus.Ready && s.CurrentBead is null && beadId is not null && beadId == s.LastBead)
            return Transition.Same(s);
        if (s.Status is not (SessionStatus.Working or SessionStatus.Prompting or SessionStatus.Stalled) || s.CurrentBead is null)
            return Transition.Reject(s, $"not working on a bead (status {s.Status.ToWire()})");
        if (beadId is not null && beadId != s.CurrentBead)
            return Transition.Reject(s, $"stale bead-done for {beadId}: working on {s.CurrentBead}");
        if (claimToken is not null && claimToken != s.ClaimToken)
            return Transition.Reject(s, $"stale bead-done: claim token does not match the assignment of {s.CurrentBead}");
        if (!worktreeClean)
            return new Transition(s with { Reason = "bead-done with dirty worktree" }, false, null, DirtyWorktreeEscalation);

        var done = s.CurrentBead;
        var profileTraits = traits ?? new BeadTraits(done, "", "", 0, null, null, [], [], null, null, null,
            new Dictionary<string, string>());
        return Transition.To(s with
        {
            Status = SessionStatus.Ready,
            CurrentBead = null,
            ClaimToken = null,
            BeadsDone = s.BeadsDone + 1,
            BeadsSinceRecycle = s.BeadsSinceRecycle + 1,
            LastBead = done,
            Profile = ProfileBuilder.AfterBead(s.Profile, profileTraits with { BeadId = done }, now),
            StatusSince = now,
            Reason = null,
        });
    }

    public static Transition BeginRecycle(SessionSnapshot s, DateTimeOffset now)
    {
        if (s.Status == SessionStatus.Recycling) return Transition.Same(s);
        if (s.Status != SessionStatus.Ready || s.CurrentBead is not null)
            return Transition.Reject(s, $"recycle requires status ready, got {s.Status.ToWire()}");
        return Transition.To(s with { Status = SessionStatus.Recycling, StatusSince = now });
    }

    public static Transition EndRecycle(SessionSnapshot s, DateTimeOffset now)
    {
        if (s.Status != SessionStatus.Recycling)
            return Transition.Reject(s, $"not recycling (status {s.Status.ToWire()})");
        return Transition.To(s with
        {
            Status = SessionStatus.Ready,
            Profile = ProfileBuilder.Cleared,
            BeadsSinceRecycle = 0,
            LastRecycleAt = now,
            Incarnation = s.Incarnation + 1,
            StatusSince = now,
            Reason = null,
        });
    }

    /// <summary>Keeps <see cref="SessionSnapshot.CurrentBead"/> so the grain knows which claim to release.</summary>
    public static Transition Fail(SessionSnapshot s, string reason, DateTimeOffset now)
    {
        if (s.Status.IsTerminal()) return Transition.Reject(s, $"session already {s.Status.ToWire()}");
        return Transition.To(s with
        {
            Status = SessionStatus.Failed,
            Reason = reason,
            StatusSince = now,
            FailureCount = s.FailureCount + 1,
        });
    }

    /// <summary>
    /// Ending a member on purpose (pool shrank, one-shot bead done, agent gone while idle): completed,
    /// holding nothing. The grain releases any held claim first. Ending an ended member is a no-op.
    /// </summary>
    public static Transition Stop(SessionSnapshot s, string reason, DateTimeOffset now) =>
        s.Status.IsTerminal()
            ? Transition.Same(s)
            : Transition.To(s with { Status = SessionStatus.Completed, CurrentBead = null, ClaimToken = null, StatusSince = now, Reason = reason });

    /// <param name="idleCeiling">Negative = never reap.</param>
    public static Transition Reap(SessionSnapshot s, TimeSpan idleCeiling, DateTimeOffset now)
    {
        if (idleCeiling < TimeSpan.Zero) return Transition.Reject(s, "reaping disabled for this pool");
        // Never a member that holds a claim, whatever its status says.
        if (s.Status != SessionStatus.Ready || s.CurrentBead is not null || s.ClaimToken is not null)
            return Transition.Reject(s, $"not idle (status {s.Status.ToWire()})");
        var idle = now - s.StatusSince;
        if (idle < idleCeiling)
            return Transition.Reject(s, $"idle {idle.TotalMinutes:0} min, ceiling {idleCeiling.TotalMinutes:0} min");
        return Transition.To(s with
        {
            Status = SessionStatus.Completed,
            Reason = $"idle past ceiling ({idleCeiling.TotalMinutes:0} min)",
            StatusSince = now,
        });
    }

    /// <summary>
    /// A state token from the agent. Terminal sessions ignore reports (original §2.2); "ready" may
    /// not drop a held bead — only bead-done releases a claim.
    /// </summary>
    public static Transition ReportState(SessionSnapshot s, SessionStatus reported, DateTimeOffset now)
    {
        if (s.Status.IsTerminal() || s.Status == SessionStatus.Recycling) return Transition.Same(s);
        if (reported is not (SessionStatus.Working or SessionStatus.Prompting or SessionStatus.Stalled or SessionStatus.Ready))
            return Transition.Reject(s, $"state {reported.ToWire()} cannot be reported");
        if (reported == s.Status) return Transition.Same(s);
        if (reported == SessionStatus.Ready && s.CurrentBead is { } held)
            return Transition.Reject(s, $"holding {held}: report bead-done to finish it");
        return Transition.To(s with { Status = reported, StatusSince = now });
    }
}
