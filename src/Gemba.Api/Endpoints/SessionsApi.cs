using System.Text.Json;
using Gemba.Api.Http;
using Gemba.Config;
using Gemba.Escalations;
using Gemba.Pools;
using Gemba.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>Sessions, and the agent-side signals <c>gemba-state</c> posts (bead-done, state tokens).</summary>
public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions").WithTags("Sessions");
        sessions.MapGet("", GetSessions);
        sessions.MapGet("/{id}", GetSession).Produces<ApiError>(StatusCodes.Status404NotFound);
        sessions.MapPost("/{id}/bead-done", BeadDone).Accepts<BeadDoneRequest>(true, "application/json")
            .Produces<ApiError>(StatusCodes.Status404NotFound).Produces<ApiError>(StatusCodes.Status409Conflict).Produces<ApiError>(StatusCodes.Status400BadRequest);
        sessions.MapPost("/{id}/state", ReportState).Accepts<StateRequest>("application/json")
            .Produces<ApiError>(StatusCodes.Status404NotFound).Produces<ApiError>(StatusCodes.Status409Conflict).Produces<ApiError>(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary><c>includeEnded</c> is the original's spelling; <c>include_ended</c> matches the wire's snake_case.</summary>
    public static async Task<Ok<SessionsResponse>> GetSessions(IGrainFactory grains, bool? includeEnded,
        [FromQuery(Name = "include_ended")] bool? includeEndedSnake)
    {
        includeEnded ??= includeEndedSnake;
        var (_, views) = await PoolViews.LoadAsync(grains);
        var sessions = views.SelectMany(v => includeEnded == true ? v.Members.Concat(v.Retired) : v.Members)
            .OrderBy(m => m.Pool.Scope, StringComparer.Ordinal).ThenBy(m => m.Pool.Persona, StringComparer.Ordinal)
            .ThenBy(m => m.CreatedAt)
            .Select(Row).ToList();
        return TypedResults.Ok(new SessionsResponse(sessions));
    }

    public static async Task<Results<Ok<SessionRow>, JsonHttpResult<ApiError>>> GetSession(string id, IGrainFactory grains)
    {
        var summary = await grains.GetGrain<ISessionGrain>(id).GetSummary();
        return summary is null ? UnknownSession(id) : TypedResults.Ok(Row(summary));
    }

    public static async Task<Results<Ok<SignalResponse>, JsonHttpResult<ApiError>>> BeadDone(string id, HttpRequest request, IGrainFactory grains)
    {
        var body = await JsonBody.ReadOptionalAsync<BeadDoneRequest>(request);
        if (body.Failure is { } failure) return failure;
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetSummary() is null) return UnknownSession(id);
        return Signal(await session.BeadDone(body.Value?.Bead));
    }

    public static async Task<Results<Ok<SignalResponse>, JsonHttpResult<ApiError>>> ReportState(string id, HttpRequest request, IGrainFactory grains)
    {
        var body = await JsonBody.ReadOptionalAsync<StateRequest>(request);
        if (body.Failure is { } failure) return failure;
        if (string.IsNullOrWhiteSpace(body.Value?.State))
            return ApiError.Json(StatusCodes.Status400BadRequest, "missing_field", "body field 'state' is required, e.g. {\"state\": \"working\"}");
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetSummary() is null) return UnknownSession(id);
        return Signal(await session.ReportState(body.Value.State.Trim()));
    }

    private static Results<Ok<SignalResponse>, JsonHttpResult<ApiError>> Signal(SignalResult result) =>
        result.Accepted
            ? TypedResults.Ok(new SignalResponse(true, result.Status, result.Message))
            : ApiError.Json(StatusCodes.Status409Conflict, "signal_rejected", result.Message ?? "rejected");

    private static JsonHttpResult<ApiError> UnknownSession(string id) => ApiError.Json(StatusCodes.Status404NotFound, "session_not_found", $"no session '{id}'");

    private static SessionRow Row(MemberSummary m) => new(
        m.SessionId, m.Pool.Scope, m.Pool.Persona, m.Status.ToWire(), m.CurrentBead, m.LastBead, m.BeadsDone, m.BeadsSinceRecycle,
        m.PaneId, m.CreatedAt, m.StatusSince, m.LastDispatchAt, m.LastRecycleAt, m.Reason, m.Escalation);
}

public sealed record SessionsResponse(IReadOnlyList<SessionRow> Sessions);

public sealed record SessionRow(
    string SessionId,
    string Scope,
    string Persona,
    string Status,
    string? BeadId,
    string? LastBead,
    int BeadsDone,
    int BeadsSinceRecycle,
    string? PaneId,
    DateTimeOffset CreatedAt,
    DateTimeOffset StatusSince,
    DateTimeOffset? LastDispatchAt,
    DateTimeOffset? LastRecycleAt,
    string? Reason,
    Escalation? Escalation);

public sealed record BeadDoneRequest(string? Bead);

public sealed record StateRequest(string? State);

public sealed record SignalResponse(bool Accepted, string Status, string? Message);
