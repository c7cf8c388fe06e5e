using Gemba.Config;
using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>Everything one dispatch cycle of one scope looks at; the planner reads nothing else.</summary>
/// <param name="InProgress">Beads currently held by any session: new work must not conflict with them.</param>
public sealed record PlanInput(
    string Scope,
    DateTimeOffset Now,
    IReadOnlyList<PoolInput> Pools,
    IReadOnlyList<ReadyCandidate> Ready,
    IReadOnlyList<BeadTraits> InProgress,
    PlannerOptions Options);

/// <param name="Members">Non-terminal members only: <c>ready</c> is idle, busy statuses count as in flight.</param>
/// <param name="GrowthPaused">Why the pool may not start new members now (spawn back-off); null when it may.</param>
/// <param name="Paused">Why an operator paused the pool's auto-dispatch; null when it runs. A paused pool takes no bead.</param>
public sealed record PoolInput(ResolvedPool Config, IReadOnlyList<MemberSummary> Members, string? GrowthPaused = null, string? Paused = null);

/// <param name="Persona">The persona the routing cascade resolved, or null when it resolved none.</param>
/// <param name="ReadySince">When the bead became ready: drives the age boost and starvation.</param>
public sealed record ReadyCandidate(BeadTraits Traits, string? Persona, DateTimeOffset ReadySince);
