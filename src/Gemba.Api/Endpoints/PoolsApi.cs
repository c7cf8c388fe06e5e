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
        var rows = config.Pools.Select((pool, i) => Row(pool, views[i])).ToList();
        return TypedResults.Ok(new PoolsResponse(rows, time.GetUtcNow()));
    }

    private static PoolRow Row(ResolvedPool pool, PoolView view)
    {
        var members = view.Members.OrderBy(m => m.CreatedAt).ThenBy(m => m.SessionId, StringComparer.Ordinal).ToList();
        return new PoolRow(
            pool.Scope, pool.Persona, pool.AgentType, pool.SizeDeclared, pool.SizeEffective, pool.ClampActivated, pool.Floor,
            members.Count,
            members.Count(m => m.Status == SessionStatus.Ready),
            members.Count(m => m.Status is SessionStatus.Working or SessionStatus.Prompting),
            members.Count(m => m.Status.IsBusy()),
            members.Select(Member).ToList());
    }

    private static PoolMemberRow Member(MemberSummary m) =>
        new(m.SessionId, m.PaneId, m.Status.ToWire(), m.CurrentBead, m.LastBead ?? m.CurrentBead, m.BeadsDone, m.BeadsSinceRecycle, m.LastRecycleAt);
}

public sealed record PoolsResponse(IReadOnlyList<PoolRow> Pools, DateTimeOffset CapturedAt);

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
    IReadOnlyList<PoolMemberRow> Members);

public sealed record PoolMemberRow(
    string SessionId,
    string? PaneId,
    string Status,
    string? CurrentBead,
    string? LastBead,
    int BeadsDoneThisMember,
    int BeadsSinceRecycle,
    DateTimeOffset? LastRecycleAt);
