using Gemba.Config;
using Gemba.Pools;
using Gemba.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary><c>/api/pools</c>: one row per resolved pool with its live members (original §4.1).</summary>
public static class PoolsApi
{
    public static IEndpointRouteBuilder MapPoolsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/pools").WithTags("Pools").MapGet("", GetPools);
        app.MapGroup("/api/v1/pools").WithTags("Pools").MapGet("", GetPools);
        return app;
    }

    public static async Task<Ok<PoolsResponse>> GetPools(IGrainFactory grains, TimeProvider time)
    {
        var (config, views) = await PoolViews.LoadAsync(grains);
        var now = time.GetUtcNow();
        var rows = config.Pools.Select((pool, i) => Row(pool, views[i], now)).ToList();
        return TypedResults.Ok(new PoolsResponse(rows, now));
    }

    /// <param name="now">Growth back-off is reported only while it lasts.</param>
    private static PoolRow Row(ResolvedPool pool, PoolView view, DateTimeOffset now)
    {
        var members = view.Members.OrderBy(m => m.CreatedAt).ThenBy(m => m.SessionId, StringComparer.Ordinal).ToList();
        return new PoolRow(
            pool.Scope, pool.Persona, pool.AgentType, pool.SizeDeclared, pool.SizeEffective, pool.ClampActivated, pool.Floor,
            members.Count,
            members.Count(m => m.Status == SessionStatus.Ready),
            members.Count(m => m.Status is SessionStatus.Working or SessionStatus.Prompting),
            members.Count(m => m.Status.IsBusy()),
            members.Select(Member).ToList(),
            view.Pause?.Reason,
            view.GrowthPaused(now) ? view.GrowthPausedReason : null);
    }

    private static PoolMemberRow Member(MemberSummary m) =>
        new(m.SessionId, m.PaneId, m.Status.ToWire(), m.CurrentBead, m.LastBead ?? m.CurrentBead, m.BeadsDone, m.BeadsSinceRecycle, m.LastRecycleAt, m.Draining ? true : null);
}

public sealed record PoolsResponse(IReadOnlyList<PoolRow> Pools, DateTimeOffset CapturedAt);

/// <param name="Paused">Why an operator paused the pool's auto-dispatch; omitted while it runs.</param>
/// <param name="GrowthPaused">Why the pool starts no new member right now (failed spawns back off); omitted otherwise.</param>
public sealed record PoolRow(
    string Scope,
    string Persona,
    string AgentType,
    int SizeTargetDeclared,
    int SizeTargetEffective,
    bool Clamped,
    double Floor,
    int SizeActual,
    int Idle,
    int Working,
    int InFlight,
    IReadOnlyList<PoolMemberRow> Members,
    string? Paused,
    string? GrowthPaused);

public sealed record PoolMemberRow(
    string SessionId,
    string? PaneId,
    string Status,
    string? CurrentBead,
    string? LastBead,
    int BeadsDoneThisMember,
    int BeadsSinceRecycle,
    DateTimeOffset? LastRecycleAt,
    bool? Draining);
