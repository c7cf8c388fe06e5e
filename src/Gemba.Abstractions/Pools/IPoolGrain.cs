using Orleans.Concurrency;
using Gemba.Config;
using Gemba.Sessions;

namespace Gemba.Pools;

/// <summary>
/// One pool, keyed <c>scope/persona</c>: its resolved config, its members and their last known
/// summaries. The dispatcher reads its view and hands it assignments; sessions report back one-way.
/// </summary>
[Alias("gemba.IPoolGrain")]
public interface IPoolGrain : IGrainWithStringKey
{
    /// <summary>Applies (hot-reloads) the pool's config; null removes the pool (members are drained).</summary>
    [Alias("Configure")]
    Task Configure(ResolvedPool? config);

    /// <summary>
    /// A consistent copy of the members, served between the awaits of a running dispatch so the
    /// API and the dispatcher never queue behind a hand-over.
    /// </summary>
    [Alias("GetView"), AlwaysInterleave]
    Task<PoolView> GetView();

    /// <summary>Starts or hands over the given beads; growth creates new members.</summary>
    [Alias("Dispatch")]
    Task<IReadOnlyList<MemberDispatchResult>> Dispatch(IReadOnlyList<MemberAssignment> assignments);

    /// <summary>
    /// An operator's start: like <see cref="Dispatch"/> for one bead, but a new member may use the
    /// <paramref name="reservedForManual"/> slots beyond the pool's size, and pause and the concurrency
    /// cap (which govern auto-dispatch) do not apply.
    /// </summary>
    [Alias("DispatchManual")]
    Task<MemberDispatchResult> DispatchManual(MemberAssignment assignment, int reservedForManual, string agentType);

    /// <summary>Creates idle members up to <paramref name="count"/> (the mock plane's pre-seeding).</summary>
    [Alias("Seed")]
    Task Seed(int count);

    /// <summary>Ends members whose agent died and reaps those idle past the ceiling. Returns how many ended.</summary>
    [Alias("Maintain")]
    Task<int> Maintain();

    /// <summary>
    /// Pauses (<paramref name="reason"/> set) or resumes (null) the pool's auto-dispatch. Members keep
    /// their beads; manual starts still work. Persisted, so a restart keeps the pool paused.
    /// </summary>
    [Alias("SetPause")]
    Task<PoolView> SetPause(string? reason);

    /// <summary>A member's state changed (bead-done, failure, recycle, reap).</summary>
    [Alias("MemberChanged"), OneWay]
    Task MemberChanged(MemberSummary member);
}

/// <summary>The pool as the dispatcher sees it: live members only.</summary>
/// <param name="GrowthPausedUntil">Set while the pool backs off after failed spawns: no new members until then.</param>
/// <param name="GrowthPausedReason">Why, for the decisions log and <c>/api/pools</c>.</param>
/// <param name="Pause">Set while an operator has paused auto-dispatch to this pool.</param>
[GenerateSerializer, Immutable, Alias("gemba.PoolView")]
public sealed record PoolView(
    ResolvedPool? Config,
    IReadOnlyList<MemberSummary> Members,
    IReadOnlyList<MemberSummary> Retired,
    DateTimeOffset? GrowthPausedUntil = null,
    string? GrowthPausedReason = null,
    PoolPause? Pause = null)
{
    public bool GrowthPaused(DateTimeOffset now) => GrowthPausedUntil is { } until && now < until;
}

/// <param name="SessionId">The member to use, or a fresh id to grow the pool.</param>
/// <param name="IsNew">True when the pool grows by this member.</param>
[GenerateSerializer, Immutable, Alias("gemba.MemberAssignment")]
public sealed record MemberAssignment(string SessionId, bool IsNew, bool RecycleFirst, BeadAssignment Bead);

[GenerateSerializer, Immutable, Alias("gemba.MemberDispatchResult")]
public sealed record MemberDispatchResult(string BeadId, string SessionId, bool Ok, string? Error, MemberSummary? Member);

/// <summary>An operator's pause of a pool's auto-dispatch.</summary>
[GenerateSerializer, Immutable, Alias("gemba.PoolPause")]
public sealed record PoolPause(DateTimeOffset Since, string Reason);
