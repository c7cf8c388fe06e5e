using Gemba.Api.Http;
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
            .Produces<ApiError>(StatusCodes.Status409Conflict).Produces<ApiError>(StatusCodes.Status501NotImplemented);
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
            RestageErrors.CascadeNotBuilt => StatusCodes.Status501NotImplemented,
            ManualStartErrors.NoPersona or ManualStartErrors.NotRunnable => StatusCodes.Status422UnprocessableEntity,
            ManualStartErrors.StartFailed => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status409Conflict,
        };
        return ApiError.Result(status, result.Error!, result.Message);
    }
}

/// <param name="ClosedTotal">Closed beads in the plane; the list holds only the most recently closed.</param>
public sealed record WorkItemsResponse(IReadOnlyList<WorkItem> Items, int Total, int ClosedTotal);

public sealed record RestageRequest(string? StateCategory);

/// <param name="SessionId">The session a move to started began, if any.</param>
public sealed record RestageResponse(WorkItem Item, string? SessionId, string Message);
