namespace Gemba.Dispatch;

/// <summary>The outcome vocabulary of the original daemon (wire strings), kept verbatim.</summary>
public static class DispatchOutcome
{
    public const string Dispatched = "dispatched";
    public const string BelowFloor = "below_floor";
    public const string BlockedByGate = "blocked_by_gate";
    public const string BlockedByConflict = "blocked_by_conflict";
    public const string NoEligibleBead = "no_eligible_bead";
    public const string Recycled = "recycled";
    public const string AlreadyClaimed = "already_claimed";
    public const string Error = "error";
    public const string NoPersona = "no_persona";
    /// <summary>Ours: a bead whose sessions failed too often is left open and labelled.</summary>
    public const string Parked = "parked";
    /// <summary>Ours: an operator gave a parked bead another chance.</summary>
    public const string Unparked = "unparked";
}

/// <summary>One explained decision: "why is this bead (still) waiting?"</summary>
[GenerateSerializer, Immutable, Alias("gemba.DispatchDecision")]
public sealed record DispatchDecision(
    string BeadId,
    string Scope,
    string? Persona,
    string? SessionId,
    string Outcome,
    string Reason,
    AffinityScores? Scores,
    DateTimeOffset At);
