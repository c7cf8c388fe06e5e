using Gemba.Config;
using Gemba.Dispatch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>Why a bead is (still) waiting: the recent decisions of every scope's dispatcher; and a manual poke.</summary>
public static class DispatchApi
{
    public static IEndpointRouteBuilder MapDispatchApi(this IEndpointRouteBuilder app)
    {
        var dispatch = app.MapGroup("/api/dispatch").WithTags("Dispatch");
        dispatch.MapGet("/decisions", GetDecisions);
        dispatch.MapPost("/poke", Poke);
        return app;
    }

    public static async Task<Ok<DecisionsResponse>> GetDecisions(IGrainFactory grains, int? limit, string? bead)
    {
        var take = Math.Clamp(limit ?? 200, 1, 1000);
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var perScope = await Task.WhenAll(config.Scopes.Select(s => grains.GetGrain<IDispatcherGrain>(s).GetDecisions(1000)));
        var decisions = perScope.SelectMany(d => d)
            .Where(d => bead is null || d.BeadId == bead)
            .OrderByDescending(d => d.At)
            .Take(take)
            .ToList();
        return TypedResults.Ok(new DecisionsResponse(decisions));
    }

    public static async Task<Accepted<PokeResponse>> Poke(IGrainFactory grains)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = config.Scopes.ToList();
        await Task.WhenAll(scopes.Select(s => grains.GetGrain<IDispatcherGrain>(s).Poke()));
        return TypedResults.Accepted((string?)null, new PokeResponse(scopes));
    }
}

/// <summary>Most recent first; each <see cref="DispatchDecision"/> renders as bead_id, scope, persona, session_id, outcome, reason, scores, at.</summary>
public sealed record DecisionsResponse(IReadOnlyList<DispatchDecision> Decisions);

public sealed record PokeResponse(IReadOnlyList<string> Scopes);
