using Gemba.Escalations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>What needs an operator: members whose bead-done was refused for a dirty worktree, or that went silent.</summary>
public static class EscalationsApi
{
    public static IEndpointRouteBuilder MapEscalationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/escalations").WithTags("Escalations").MapGet("", GetEscalations);
        return app;
    }

    /// <summary>Open escalations oldest first, then recently resolved ones newest first.</summary>
    public static async Task<Ok<EscalationsResponse>> GetEscalations(IGrainFactory grains)
    {
        var list = await grains.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).List();
        return TypedResults.Ok(new EscalationsResponse(list.Open, list.Resolved));
    }
}

public sealed record EscalationsResponse(IReadOnlyList<Escalation> Open, IReadOnlyList<Escalation> Resolved);
