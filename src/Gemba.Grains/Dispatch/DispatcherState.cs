using Gemba.Pools;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// The dispatcher's durable ledger. A claim is written here (unconfirmed) before the work plane is
/// asked, and confirmed once a member holds the bead, so a crash at any point can be reconciled.
/// </summary>
[GenerateSerializer, Alias("gemba.state.DispatcherState")]
public sealed class DispatcherState
{
    [Id(0)] public Dictionary<string, ClaimRecord> Claims { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, BeadFailureRecord> Failures { get; set; } = new(StringComparer.Ordinal);
}

/// <param name="Token">Fencing token handed to the session with the bead.</param>
[GenerateSerializer, Immutable, Alias("gemba.state.ClaimRecord")]
public sealed record ClaimRecord(string SessionId, PoolKey Pool, string Token, bool Confirmed, DateTimeOffset At);

/// <summary>Failures are counted per bead (by distinct session) so a poisoned bead is parked, not looped.</summary>
[GenerateSerializer, Immutable, Alias("gemba.state.BeadFailureRecord")]
public sealed record BeadFailureRecord(IReadOnlyList<string> Sessions, string LastReason, DateTimeOffset RetryAfter, bool Parked)
{
    public int Count => Sessions.Count;
}

/// <summary>
/// The recent decisions, kept apart from the ledger: written at most every few seconds (and on
/// deactivation), so the log outlives a restart without adding a write to every cycle.
/// </summary>
[GenerateSerializer, Alias("gemba.state.DecisionLogState")]
public sealed class DecisionLogState
{
    [Id(0)] public List<Gemba.Dispatch.DispatchDecision> Recent { get; set; } = [];
}
