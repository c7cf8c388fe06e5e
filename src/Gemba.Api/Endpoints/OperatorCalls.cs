using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Escalations;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Api.Endpoints;

/// <summary>
/// The grain calls behind an operator's actions, shared by the HTTP handlers and the web UI's buttons
/// so both do exactly the same thing; each caller words its own answer.
/// </summary>
internal static class OperatorCalls
{
    /// <summary>Ends the member and tells its pool at once; null for an unknown session.</summary>
    public static async Task<MemberSummary?> EndAsync(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        if (await session.GetSummary() is null) return null;
        var summary = await session.Stop("ended by an operator");
        await grains.GetGrain<IPoolGrain>(summary.Pool.ToString()).MemberChanged(summary);
        return summary;
    }

    public static async Task<MemberSummary?> DrainAsync(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        return await session.GetSummary() is null ? null : await session.Drain();
    }

    public static async Task<SignalResult?> RecycleAsync(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        return await session.GetSummary() is null ? null : await session.Recycle();
    }

    /// <summary>Pauses (a reason) or resumes (null) a pool in force; null when no such pool is in force.</summary>
    public static async Task<PoolView?> SetPauseAsync(IGrainFactory grains, PoolKey key, string? reason)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        if (config.Pools.All(p => p.Key != key)) return null;
        return await grains.GetGrain<IPoolGrain>(key.ToString()).SetPause(reason);
    }

    /// <summary>Whichever scope's dispatcher parked the bead forgets its failures; false when none had.</summary>
    public static async Task<bool> UnparkAsync(IGrainFactory grains, string beadId)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = config.Scopes.Append(PoolKey.LocalScope).Distinct(StringComparer.Ordinal);
        var answers = await Task.WhenAll(scopes.Select(s => grains.GetGrain<IDispatcherGrain>(s).Unpark(beadId)));
        return answers.Any(a => a);
    }

    /// <summary>
    /// The dispatcher a manual start goes to: the one asked for, else the only scope in force, else the
    /// one scope with a pool for the persona, else (nothing in force) the local one. Null, with why, when
    /// several scopes could be meant.
    /// </summary>
    public static async Task<(string? Scope, string? Problem)> ScopeForStartAsync(IGrainFactory grains, string? scope, string? persona)
    {
        if (scope is not null) return (scope, null);
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = config.Scopes.ToList();
        var chosen = (scopes.Count == 1 ? scopes[0] : null)
            ?? (persona is not null && config.Pools.Where(x => x.Persona == persona).Select(x => x.Scope).Distinct().ToList() is [var only] ? only : null)
            ?? (scopes.Count == 0 ? PoolKey.LocalScope : null);
        return chosen is null ? (null, $"several scopes are in force ({string.Join(", ", scopes)}): pass scope") : (chosen, null);
    }

    /// <summary>
    /// Resolves an open escalation: the member's own record first, then the list (for a member that ended
    /// meanwhile). Null when no open escalation has this id; <c>AlreadyResolved</c> tells the two cases apart.
    /// </summary>
    public static async Task<(Escalation? Resolved, bool AlreadyResolved)> ResolveEscalationAsync(IGrainFactory grains, string id, string resolution, DateTimeOffset now)
    {
        var book = grains.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key);
        var list = await book.List();
        if (list.Open.FirstOrDefault(e => e.Id == id) is not { } open)
            return (null, list.Resolved.Any(e => e.Id == id));
        await grains.GetGrain<ISessionGrain>(open.SessionId).ResolveEscalation(id, resolution);
        // Either way the list ends resolved: the session's own resolution arrives one-way, this one at once.
        var resolved = await book.Resolve(id, resolution)
            ?? (await book.List()).Resolved.FirstOrDefault(e => e.Id == id)
            ?? open with { ResolvedAt = now, Resolution = resolution };
        return (resolved, false);
    }
}
