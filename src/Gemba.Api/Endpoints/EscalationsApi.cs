using Gemba.Api.Http;
using Gemba.Escalations;
using Gemba.Sessions;
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
        var group = app.MapGroup("/api/escalations").WithTags("Escalations");
        group.MapGet("", GetEscalations);
        group.MapPost("/{id}/resolve", Resolve);
        return app;
    }

    /// <summary>
    /// An operator resolves an escalation by hand (<c>?note=</c> says why). The member's own record is
    /// cleared first; one whose member ended meanwhile is resolved in the list directly.
    /// </summary>
    public static async Task<Results<Ok<Escalation>, JsonHttpResult<ApiError>>> Resolve(string id, HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        var note = request.Query["note"].ToString().Trim();
        var resolution = note.Length == 0 ? "resolved by an operator" : $"resolved by an operator: {note[..Math.Min(note.Length, 200)]}";
        var (resolved, already) = await OperatorCalls.ResolveEscalationAsync(grains, id, resolution, time.GetUtcNow());
        if (resolved is null)
            return already
                ? ApiError.Json(StatusCodes.Status409Conflict, "already_resolved", $"escalation '{id}' is already resolved")
                : ApiError.Json(StatusCodes.Status404NotFound, "escalation_not_found", $"no open escalation '{id}'");
        return TypedResults.Ok(resolved);
    }

    /// <summary>Open escalations oldest first, then recently resolved ones newest first.</summary>
    public static async Task<Ok<EscalationsResponse>> GetEscalations(IGrainFactory grains)
    {
        var list = await grains.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).List();
        return TypedResults.Ok(new EscalationsResponse(list.Open, list.Resolved));
    }
}

public sealed record EscalationsResponse(IReadOnlyList<Escalation> Open, IReadOnlyList<Escalation> Resolved);
