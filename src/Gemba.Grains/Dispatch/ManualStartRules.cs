using Gemba.Beads;
using Gemba.Config;
using Gemba.Dispatch;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Whether an operator's start may go ahead, and into which pool: the same readiness predicate and
/// routing cascade as auto-dispatch, so a manual start never takes a bead a cycle would refuse for a
/// reason other than the floor, rate limit or pause (which an operator overrides by asking).
/// </summary>
internal static class ManualStartRules
{
    public readonly record struct Choice(ResolvedPool? Pool, string? Error, string Message);

    public static Choice Choose(
        ManualStartRequest request, Bead? bead, BeadTraits? traits, string scope, string? beadScope, ResolvedConfig config,
        Func<string, Bead?> lookup, ClaimRecord? claim, DateTimeOffset now)
    {
        if (bead is null || traits is null)
            return Refuse(ManualStartErrors.BeadNotFound, $"no bead '{request.BeadId}' in the work plane");
        if (!BeadKinds.IsRunnable(bead.IssueType))
            return Refuse(ManualStartErrors.NotRunnable,
                $"{bead.Id} is a {bead.IssueType}: only task, bug, feature and chore beads run in a session; cascade-dispatch an epic or milestone, restage a decision");
        if (claim is not null)
            return Refuse(ManualStartErrors.AlreadyClaimed, $"{bead.Id} is already claimed by {claim.SessionId}");
        if (ReadySet.WhyNotReady(bead, lookup, now) is { } why)
            return Refuse(ManualStartErrors.NotReady, $"{bead.Id} cannot start: {why}");
        if (beadScope != scope)
            return Refuse(ManualStartErrors.NoPool, $"{bead.Id} belongs to scope '{beadScope ?? "none"}', not '{scope}'");
        var persona = request.Persona ?? PersonaRouter.Resolve(traits, config.Routing);
        if (persona is null)
            return Refuse(ManualStartErrors.NoPersona,
                $"{bead.Id} names no persona and neither [pool.routing] nor default_persona matches its kind {bead.IssueType}; pass one");
        var pool = config.Pools.FirstOrDefault(p => p.Scope == scope && p.Persona == persona);
        if (pool is null)
            return Refuse(ManualStartErrors.NoPool,
                $"no pool {scope}/{persona} in force (pools: {(config.Pools.Count == 0 ? "none" : string.Join(", ", config.Pools.Select(p => p.Key.ToString())))})");
        return new Choice(pool, null, "");
    }

    private static Choice Refuse(string error, string message) => new(null, error, message);
}
