using Gemba.Config;
using Gemba.Pools;
using Gemba.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>The body is <see cref="PoolsResponse"/>, shared between concurrent callers (<see cref="PoolsReadCache"/>).</summary>
    [ProducesResponseType<PoolsResponse>(StatusCodes.Status200OK, "application/json")]
    public static async Task<IResult> GetPools(PoolsReadCache cache) =>
        TypedResults.Bytes(await cache.GetJsonAsync(), "application/json");

    /// <summary>Reads the pools in force and their live members now; the web UI's pages and the cache call it.</summary>
    public static async Task<PoolsResponse> ReadAsync(IGrainFactory grains, TimeProvider time)
    {
        var (config, views) = await PoolViews.LoadAsync(grains);
        var retired = await PoolViews.LoadRetiredAsync(grains);
        var now = time.GetUtcNow();
        var rows = config.Pools.Select((pool, i) => Row(pool, views[i], now))
            .Concat(retired.Select(r => Row(Removed(r.Key), r.View, now) with { Removed = true }))
            .ToList();
        return new PoolsResponse(rows, now);
    }

    /// <summary>A pool taken out of pool.toml whose members still finish their beads: size 0, nothing new.</summary>
    private static ResolvedPool Removed(PoolKey key) =>
        new(key.Scope, key.Persona, "", 0, 0, 0, 0, 0, 0, 0, false);

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
/// <param name="Removed">True for a pool no longer in pool.toml whose members are still finishing their beads.</param>
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
    string? GrowthPaused,
    bool? Removed = null);

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
