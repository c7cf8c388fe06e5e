using Gemba.Pools;

namespace Gemba.Sessions;

/// <summary>
/// A pool member as the pool and the dispatcher see it: enough to schedule and to render
/// <c>/api/pools</c>, nothing of the session's history beyond its profile.
/// </summary>
/// <param name="Incarnation">Fencing token: bumped on every new bead and every recycle, so a late
/// signal from a previous assignment is recognisably stale.</param>
/// <param name="Escalation">The member's open escalation, if any.</param>
/// <param name="Draining">An operator asked it to finish its bead and stop: it takes no new bead.</param>
[GenerateSerializer, Immutable, Alias("gemba.MemberSummary")]
public sealed record MemberSummary(
    string SessionId,
    PoolKey Pool,
    SessionStatus Status,
    string? CurrentBead,
    string? LastBead,
    int BeadsDone,
    int BeadsSinceRecycle,
    long Incarnation,
    AffinityProfile Profile,
    DateTimeOffset CreatedAt,
    DateTimeOffset StatusSince,
    DateTimeOffset? LastDispatchAt,
    DateTimeOffset? LastRecycleAt,
    string? PaneId,
    string? Reason,
    Gemba.Escalations.Escalation? Escalation = null,
    bool Draining = false)
{
    public bool IsIdle => Status == SessionStatus.Ready;
}
