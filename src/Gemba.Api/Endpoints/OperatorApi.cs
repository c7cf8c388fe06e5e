using Gemba.Api.Http;
using Gemba.Config;
using Gemba.Dispatch;
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
        app.MapGroup("/api/sessions").WithTags("Operator").MapPost("", Start)
            .Produces<StartSessionResponse>(StatusCodes.Status201Created)
            .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict).Produces<ApiError>(StatusCodes.Status422UnprocessableEntity);

        var sessions = app.MapGroup("/api/sessions/{id}").WithTags("Operator");
        sessions.MapDelete("", End).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        sessions.MapPost("/drain", Drain).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        sessions.MapPost("/recycle", Recycle).Produces<SessionActionResponse>().Produces<ApiError>(StatusCodes.Status404NotFound).Produces<ApiError>(StatusCodes.Status409Conflict);

        app.MapGroup("/api/work-items/{id}").WithTags("Operator").MapPost("/unpark", Unpark)
            .Produces<UnparkResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);

        var pools = app.MapGroup("/api/pools/{scope}/{persona}").WithTags("Operator");
        pools.MapPost("/pause", Pause).Produces<PoolPauseResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        pools.MapPost("/resume", Resume).Produces<PoolPauseResponse>().Produces<ApiError>(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// Starts a session for one bead now, through its scope's dispatcher (one claim ledger, so never a
    /// second claim). The scope is the request's, else the only one in force, else the one pool with the persona.
    /// </summary>
    public static async Task<IResult> Start(HttpRequest request, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync<StartSessionRequest>(request);
        if (body.Error is not null) return body.Error;
        var start = body.Value!;
        if (string.IsNullOrWhiteSpace(start.BeadId)) return ApiError.BadRequest("missing_field", "bead_id is required");
        foreach (var (field, value) in new[] { ("persona", start.Persona), ("agent_type", start.AgentType), ("scope", start.Scope) })
            if (value is not null && !Names.IsValid(value))
                return ApiError.BadRequest("invalid_name", $"{field} '{value}' is not a valid name: letters, digits, '.', '_' or '-', at most 64 characters");

        var (scope, problem) = await OperatorCalls.ScopeForStartAsync(grains, start.Scope, start.Persona);
        if (scope is null) return ApiError.BadRequest("missing_field", problem!);

        var result = await grains.GetGrain<IDispatcherGrain>(scope).StartManual(new ManualStartRequest(start.BeadId.Trim(), start.Persona, start.AgentType));
        if (result.Ok)
            return TypedResults.Created($"/api/sessions/{result.SessionId}",
                new StartSessionResponse(result.SessionId!, start.BeadId.Trim(), scope, result.Persona!, result.Reused, result.Message));
        var status = result.Error switch
        {
            ManualStartErrors.BeadNotFound or ManualStartErrors.NoPool => StatusCodes.Status404NotFound,
            ManualStartErrors.NotRunnable or ManualStartErrors.NoPersona => StatusCodes.Status422UnprocessableEntity,
            ManualStartErrors.StartFailed => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status409Conflict,
        };
        return ApiError.Result(status, result.Error!, result.Message);
    }

    /// <summary>Gives a parked bead another chance: whichever scope's dispatcher parked it forgets its failures.</summary>
    public static async Task<IResult> Unpark(string id, IGrainFactory grains) =>
        await OperatorCalls.UnparkAsync(grains, id)
            ? TypedResults.Ok(new UnparkResponse(id, "unparked: its failures are forgotten and the next cycle may dispatch it"))
            : ApiError.NotFound("not_parked", $"no parked bead '{id}'");

    /// <summary>Ends the member now; a bead it holds goes back to open (the ledger releases its claim).</summary>
    public static async Task<IResult> End(string id, IGrainFactory grains) =>
        await OperatorCalls.EndAsync(grains, id) is { } summary
            ? TypedResults.Ok(new SessionActionResponse(id, summary.Status.ToWire(), summary.CurrentBead, "ended"))
            : UnknownSession(id);

    public static async Task<IResult> Drain(string id, IGrainFactory grains)
    {
        if (await OperatorCalls.DrainAsync(grains, id) is not { } summary) return UnknownSession(id);
        var what = summary.Status.IsTerminal() ? "stopped (it was idle)" : $"draining: stops when {summary.CurrentBead ?? "its bead"} is done";
        return TypedResults.Ok(new SessionActionResponse(id, summary.Status.ToWire(), summary.CurrentBead, what));
    }

    public static async Task<IResult> Recycle(string id, IGrainFactory grains) =>
        await OperatorCalls.RecycleAsync(grains, id) switch
        {
            null => UnknownSession(id),
            { Accepted: true } result => TypedResults.Ok(new SessionActionResponse(id, result.Status, null, "recycled")),
            var result => ApiError.Result(StatusCodes.Status409Conflict, "not_idle", result.Message ?? "only an idle member can be recycled"),
        };

    public static Task<IResult> Pause(string scope, string persona, HttpRequest request, IGrainFactory grains) =>
        SetPause(scope, persona, grains, Note(request) ?? "paused by an operator");

    public static Task<IResult> Resume(string scope, string persona, IGrainFactory grains) => SetPause(scope, persona, grains, null);

    private static async Task<IResult> SetPause(string scope, string persona, IGrainFactory grains, string? reason)
    {
        if (!Names.IsValid(scope) || !Names.IsValid(persona))
            return ApiError.BadRequest("invalid_name", $"'{scope}/{persona}' is not a pool key: scope and persona are names of letters, digits, '.', '_' or '-'");
        var key = new PoolKey(scope, persona);
        if (await OperatorCalls.SetPauseAsync(grains, key, reason) is not { } view)
        {
            var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
            return ApiError.NotFound("pool_not_found", $"no pool {key} in force (pools: {string.Join(", ", config.Pools.Select(p => p.Key.ToString()))})");
        }
        return TypedResults.Ok(new PoolPauseResponse(scope, persona, view.Pause is not null, view.Pause?.Since, view.Pause?.Reason));
    }

    /// <summary>The operator's note, if the client sent one (<c>?note=</c>, at most 200 characters), so a pause says why.</summary>
    private static string? Note(HttpRequest request) =>
        request.Query["note"].ToString().Trim() is { Length: > 0 } note ? note[..Math.Min(note.Length, 200)] : null;

    private static IResult UnknownSession(string id) => ApiError.NotFound("session_not_found", $"no session '{id}'");
}

/// <param name="Persona">Optional: the pool to use; otherwise the routing cascade decides.</param>
/// <param name="AgentType">Optional: run with this agent instead of the pool's (always a new member).</param>
public sealed record StartSessionRequest(string? BeadId, string? Persona, string? AgentType, string? Scope);

/// <param name="Reused">A warm idle member took the bead.</param>
public sealed record StartSessionResponse(string SessionId, string BeadId, string Scope, string Persona, bool Reused, string Message);

public sealed record UnparkResponse(string BeadId, string What);

/// <param name="What">What happened, for people.</param>
public sealed record SessionActionResponse(string SessionId, string Status, string? BeadId, string What);

public sealed record PoolPauseResponse(string Scope, string Persona, bool Paused, DateTimeOffset? Since, string? Reason);
