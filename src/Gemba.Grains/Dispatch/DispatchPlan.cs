using Gemba.Dispatch;
using Gemba.Pools;

namespace Gemba.Grains.Dispatch;

/// <summary>The outcome of one cycle: what to start, and a decision for every bead looked at.</summary>
public sealed record DispatchPlan(IReadOnlyList<PlannedAssignment> Assignments, IReadOnlyList<DispatchDecision> Decisions)
{
    public static DispatchPlan Empty { get; } = new([], []);
}

/// <param name="SessionId">The idle member to use; null = grow the pool by a new member.</param>
/// <param name="RecycleFirst">Clear the member's context before handing it the bead.</param>
public sealed record PlannedAssignment(PoolKey Pool, string? SessionId, bool RecycleFirst, string BeadId, AffinityScores Scores);
