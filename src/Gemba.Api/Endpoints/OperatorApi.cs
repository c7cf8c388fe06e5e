using Gemba.Api.Http;
using Gemba.Config;
using Gemba.Pools;
using Gemba.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>
/// An operator's hands on live work: end, recycle or drain a member, pause or resume a pool's
/// auto-dispatch. Every route is a mutation, so each needs <c>X-GEMBA-Confirm</c>.
/// </summary>
public static class OperatorApi
{
    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions/{id}").WithTags("Operator");
        sessions.MapDelete("", End).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        sessions.MapPost("/drain", Drain).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        sessions.MapPost("/recycle", Recycle).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound).Produces<ApiError>(StatusCodes.Status409Conflict);

        var pools = app.MapGroup("/api/pools/{scope}/{persona}").WithTags("Operator");
        pools.MapPost("/pause", Pause).Produces<PoolPauseResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        pools.MapPost("/resume", Resume).Produces<PoolPauseResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Ends the member now; a bead it holds goes back to open (the ledger releases its claim).</summary>
    public static async Task<IResult> End(string id, IGrainFactory grains)
    {
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetSummary() is null) return UnknownSession(id);
        var summary = await session.Stop("ended by an operator");
        await grains.GetGrain<IPoolGrain>(summary.Pool.ToString()).MemberChanged(summary);
        return TypedResults.Ok(new SessionActionResponse(id, summary.Status.ToWire(), summary.CurrentBead, "ended"));
    }

    public static async Task<IResult> Drain(string id, IGrainFactory grains)
    {
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetSummary() is null) return UnknownSession(id);
        var summary = await session.Drain();
        var what = summary.Status.IsTerminal() ? "stopped (it was idle)" : $"draining: stops when {summary.CurrentBead ?? "its bead"} is done";
        return TypedResults.Ok(new SessionActionResponse(id, summary.Status.ToWire(), summary.CurrentBead, what));
    }

    public static async Task<IResult> Recycle(string id, IGrainFactory grains)
    {
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetSummary() is null) return UnknownSession(id);
        var result = await session.Recycle();
        return result.Accepted
            ? TypedResults.Ok(new SessionActionResponse(id, result.Status, null, "recycled"))
            : ApiError.Result(StatusCodes.Status409Conflict, "not_idle", result.Message ?? "only an idle member can be recycled");
    }

    public static Task<IResult> Pause(string scope, string persona, HttpRequest request, IGrainFactory grains) =>
        SetPause(scope, persona, grains, Note(request) ?? "paused by an operator");

    public static Task<IResult> Resume(string scope, string persona, IGrainFactory grains) => SetPause(scope, persona, grains, null);

    private static async Task<IResult> SetPause(string scope, string persona, IGrainFactory grains, string? reason)
    {
        if (!Names.IsValid(scope) || !Names.IsValid(persona))
            return ApiError.BadRequest("invalid_name", $"'{scope}/{persona}' is not a pool key: scope and persona are names of letters, digits, '.', '_' or '-'");
        var key = new PoolKey(scope, persona);
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        if (config.Pools.All(p => p.Key != key))
            return ApiError.NotFound("pool_not_found", $"no pool {key} in force (pools: {string.Join(", ", config.Pools.Select(p => p.Key.ToString()))})");
        var view = await grains.GetGrain<IPoolGrain>(key.ToString()).SetPause(reason);
        return TypedResults.Ok(new PoolPauseResponse(scope, persona, view.Pause is not null, view.Pause?.Since, view.Pause?.Reason));
    }

    /// <summary>The operator's note, if the client sent one (<c>?note=</c>, at most 200 characters), so a pause says why.</summary>
    private static string? Note(HttpRequest request) =>
        request.Query["note"].ToString().Trim() is { Length: > 0 } note ? note[..Math.Min(note.Length, 200)] : null;

    private static IResult UnknownSession(string id) => ApiError.NotFound("session_not_found", $"no session '{id}'");
}

/// <param name="What">What happened, for people.</param>
public sealed record SessionActionResponse(string SessionId, string Status, string? BeadId, string What);

public sealed record PoolPauseResponse(string Scope, string Persona, bool Paused, DateTimeOffset? Since, string? Reason);
