using Gemba.Pools;

namespace Gemba.Sessions;

/// <summary>
/// One pool member: its lifecycle state machine, current bead and affinity profile. Called by its
/// pool (start, assign, recycle, reap) and by agents through the API (bead-done, state reports).
/// </summary>
[Alias("gemba.ISessionGrain")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Creates the member on the orchestration plane, with its first bead or idle.</summary>
    [Alias("Start")]
    Task<MemberSummary> Start(PoolKey pool, string agentType, BeadAssignment? first);

    /// <summary>Hands a bead to this idle member, recycling its context first when asked.</summary>
    [Alias("Assign")]
    Task<MemberSummary> Assign(BeadAssignment assignment, bool recycleFirst);

    /// <summary>The agent finished. A bead id that is not the current one is stale and ignored.</summary>
    [Alias("BeadDone")]
    Task<SignalResult> BeadDone(string? beadId);

    /// <summary>A state token from <c>gemba-state</c> (working, prompting, stalled, ready ...).</summary>
    [Alias("ReportState")]
    Task<SignalResult> ReportState(string state);

    [Alias("Fail")]
    Task<SignalResult> Fail(string? beadId, string reason);

    /// <summary>Ends the member when it has been idle past <paramref name="ceiling"/> and holds no claim.</summary>
    [Alias("Reap")]
    Task<MemberSummary?> Reap(TimeSpan ceiling);

    /// <summary>Ends the member (config removed it, or it is one-shot and finished).</summary>
    [Alias("Stop")]
    Task<MemberSummary> Stop(string reason);

    /// <summary>
    /// Asks the orchestration plane whether the agent still runs. A dead agent holding a bead
    /// fails (the bead is released and counted); a dead idle one is simply ended. A live member
    /// that has held its bead past <paramref name="stallAfter"/> without any signal from its agent
    /// raises a <c>stalled</c> escalation (negative = never); it is not killed.
    /// </summary>
    [Alias("CheckAlive")]
    Task<MemberSummary?> CheckAlive(TimeSpan stallAfter);

    /// <summary>
    /// An operator's drain: an idle member stops now; a busy one finishes its bead, then stops. It takes
    /// no new bead meanwhile. Idempotent.
    /// </summary>
    [Alias("Drain")]
    Task<MemberSummary> Drain();

    /// <summary>An operator's recycle: clears an idle member's context now. Rejected while it holds a bead.</summary>
    [Alias("Recycle")]
    Task<SignalResult> Recycle();

    /// <summary>
    /// An operator resolves the member's open escalation <paramref name="escalationId"/> by hand (they
    /// looked at the worktree, or the silence is expected). False when the member holds no such escalation.
    /// </summary>
    [Alias("ResolveEscalation")]
    Task<bool> ResolveEscalation(string escalationId, string resolution);

    /// <summary>The member as it stands, even mid-transition (state changes before it is persisted).</summary>
    [Alias("GetSummary"), Orleans.Concurrency.AlwaysInterleave]
    Task<MemberSummary?> GetSummary();
}

/// <summary>Answer to an agent's signal: accepted, or why not (unknown session, stale bead ...).</summary>
[GenerateSerializer, Immutable, Alias("gemba.SignalResult")]
public sealed record SignalResult(bool Accepted, string Status, string? Message)
{
    public static SignalResult Rejected(string status, string message) => new(false, status, message);
}
