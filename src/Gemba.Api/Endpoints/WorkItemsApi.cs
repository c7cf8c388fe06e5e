using Gemba.Api.Http;
using Gemba.Cascades;
using Gemba.Dispatch;
using Gemba.WorkItems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary><c>/api/work-items</c>: the board's data (beads by state category) and its moves.</summary>
public static class WorkItemsApi
{
    public const int DefaultClosedLimit = 200;

    public static IEndpointRouteBuilder MapWorkItemsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/work-items").WithTags("Work items");
        group.MapGet("", List);
        group.MapPatch("/{id}", Restage).Produces<RestageResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound)
            .Produces<ApiError>(StatusCodes.Status409Conflict);
        group.MapPost("/{id}/cascade-dispatch", CascadeDispatch).Produces<CascadeReport>(StatusCodes.Status202Accepted)
            .Produces<ApiError>(StatusCodes.Status400BadRequest).Produces<ApiError>(StatusCodes.Status404NotFound);
        return app;
    }

    /// <param name="category">One of backlog, unstarted, staged, started, completed, canceled.</param>
    /// <param name="q">Matches id or title, case-insensitively.</param>
    /// <param name="closedLimit">How many of the most recently closed beads to include (default 200, at most 5000).</param>
    public static async Task<Results<Ok<WorkItemsResponse>, JsonHttpResult<ApiError>>> List(
        IWorkItems workItems, string? category, string? q, [FromQuery(Name = "closed_limit")] int? closedLimit, CancellationToken cancellationToken)
    {
        if (category is not null && !StateCategories.All.Contains(category))
            return ApiError.Json(StatusCodes.Status400BadRequest, "invalid_query", $"category '{category}' is not one of {string.Join(", ", StateCategories.All)}");
        var list = await workItems.ListAsync(category, q, Math.Clamp(closedLimit ?? DefaultClosedLimit, 0, 5000), cancellationToken);
        return TypedResults.Ok(new WorkItemsResponse(list.Items, list.Items.Count, list.ClosedTotal));
    }

    /// <summary>
    /// Starts a cascade over an epic or milestone: its leaves are staged, the ready ones started while fewer
    /// than the limit run, and each leaf that ends starts the next (202: the cascade goes on after the answer).
    /// </summary>
    public static async Task<IResult> CascadeDispatch(string id, HttpRequest request, IGrainFactory grains)
    {
        var body = await JsonBody.ReadOptionalAsync<CascadeRequest>(request);
        if (body.Error is not null) return body.Error;
        if (body.Value?.AgentType is { } agent && !Gemba.Pools.Names.IsValid(agent))
            return ApiError.BadRequest("invalid_name", $"agent_type '{agent}' is not a valid name");
        if (body.Value?.Limit is < 0) return ApiError.BadRequest("invalid_value", "limit must be 0 (the pools' size) or more");
        var report = await grains.GetGrain<ICascadesGrain>(ICascadesGrain.Key).Start(id, body.Value?.AgentType, body.Value?.Limit ?? 0);
        if (report.Ok) return TypedResults.Accepted((string?)null, report);
        return report.Error == CascadeErrors.NotWrapper
            ? ApiError.BadRequest(report.Error, report.Message)
            : ApiError.NotFound(report.Error!, report.Message);
    }

    /// <summary>
    /// Restages a bead (<c>{"state_category": "started"}</c>): a task, bug or feature moved to started gets a
    /// session, as a manual start would give it; a decision or chore only changes state.
    /// </summary>
    public static async Task<IResult> Restage(string id, HttpRequest request, IWorkItems workItems)
    {
        var body = await JsonBody.ReadAsync<RestageRequest>(request);
        if (body.Error is not null) return body.Error;
        if (string.IsNullOrWhiteSpace(body.Value!.StateCategory)) return ApiError.BadRequest("missing_field", "state_category is required");
        var result = await workItems.RestageAsync(id, body.Value.StateCategory.Trim(), request.HttpContext.RequestAborted);
        if (result.Ok) return TypedResults.Ok(new RestageResponse(result.Item!, result.SessionId, result.Message));
        var status = result.Error switch
        {
            RestageErrors.InvalidCategory => StatusCodes.Status400BadRequest,
            RestageErrors.NotFound or ManualStartErrors.NoPool => StatusCodes.Status404NotFound,
            CascadeErrors.NotWrapper => StatusCodes.Status400BadRequest,
            ManualStartErrors.NoPersona or ManualStartErrors.NotRunnable => StatusCodes.Status422UnprocessableEntity,
            ManualStartErrors.StartFailed => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status409Conflict,
        };
        return ApiError.Result(status, result.Error!, result.Message);
    }
}

/// <param name="AgentType">Run the leaves with this agent (default: each pool's own).</param>
/// <param name="Limit">Leaves running at once (default: the effective size of the pools that run the agent).</param>
public sealed record CascadeRequest(string? AgentType, int? Limit);

/// <param name="ClosedTotal">Closed beads in the plane; the list holds only the most recently closed.</param>
public sealed record WorkItemsResponse(IReadOnlyList<WorkItem> Items, int Total, int ClosedTotal);

public sealed record RestageRequest(string? StateCategory);

/// <param name="SessionId">The session a move to started began, if any.</param>
public sealed record RestageResponse(WorkItem Item, string? SessionId, string Message);
