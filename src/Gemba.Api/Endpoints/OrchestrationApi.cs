using Gemba.Api.Http;
using Gemba.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>
/// <c>/api/orchestration/*</c> (seed 003 §6–7, original §4.7–4.8): what the adaptor owns, and the
/// editor's Gas Town mutations, each answering with the exact command it ran and its output.
/// Order of checks as in the original: adaptor first (400 <c>kind_unsupported</c>), then the body, then the fields.
/// </summary>
public static class OrchestrationApi
{
    public static IEndpointRouteBuilder MapOrchestrationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/orchestration").WithTags("Orchestration");
        group.MapGet("/state", GetState);
        group.MapPost("/scopes", CreateScope).Produces<AdaptorRun>().Produces<AdaptorRun>(StatusCodes.Status502BadGateway).Produces<ApiError>(StatusCodes.Status400BadRequest);
        group.MapPost("/polecats", CreatePolecat).Produces<AdaptorRun>().Produces<AdaptorRun>(StatusCodes.Status502BadGateway).Produces<ApiError>(StatusCodes.Status400BadRequest);
        group.MapGet("/scheduler-config", GetSchedulerConfig).Produces<SchedulerConfigResponse>().Produces<ApiError>(StatusCodes.Status400BadRequest);
        group.MapPut("/scheduler-config", SetSchedulerConfig).Produces<AdaptorRun>().Produces<AdaptorRun>(StatusCodes.Status502BadGateway).Produces<ApiError>(StatusCodes.Status400BadRequest);
        return app;
    }

    public static async Task<Ok<OrchestrationState>> GetState(IOrchestrationEditor editor, CancellationToken cancellationToken) =>
        TypedResults.Ok(await editor.GetStateAsync(cancellationToken));

    public static async Task<IResult> CreateScope(HttpRequest request, IOrchestrationEditor editor)
    {
        if (Unsupported(editor) is { } unsupported) return unsupported;
        var body = await JsonBody.ReadAsync<CreateScopeRequest>(request);
        if (body.Error is not null) return body.Error;
        if (string.IsNullOrWhiteSpace(body.Value!.Name)) return ApiError.BadRequest("missing_name", "name is required");
        return await Run(editor, () => editor.PlanCreateScope(body.Value.Name.Trim(), body.Value.GitUrl), request.HttpContext.RequestAborted);
    }

    public static async Task<IResult> CreatePolecat(HttpRequest request, IOrchestrationEditor editor)
    {
        if (Unsupported(editor) is { } unsupported) return unsupported;
        var body = await JsonBody.ReadAsync<CreatePolecatRequest>(request);
        if (body.Error is not null) return body.Error;
        if (string.IsNullOrWhiteSpace(body.Value!.Rig) || string.IsNullOrWhiteSpace(body.Value.Persona))
            return ApiError.BadRequest("missing_field", "rig and persona are required");
        return await Run(editor, () => editor.PlanCreatePolecat(body.Value.Rig.Trim(), body.Value.Persona.Trim()), request.HttpContext.RequestAborted);
    }

    public static async Task<IResult> GetSchedulerConfig(IOrchestrationEditor editor, CancellationToken cancellationToken)
    {
        if (Unsupported(editor) is { } unsupported) return unsupported;
        var config = await editor.GetSchedulerConfigAsync(cancellationToken);
        return TypedResults.Ok(new SchedulerConfigResponse(config.MaxPolecats, config.Problem));
    }

    public static async Task<IResult> SetSchedulerConfig(HttpRequest request, IOrchestrationEditor editor)
    {
        if (Unsupported(editor) is { } unsupported) return unsupported;
        var body = await JsonBody.ReadAsync<SchedulerConfigRequest>(request);
        if (body.Error is not null) return body.Error;
        if (body.Value!.MaxPolecats is not { } value)
            return ApiError.BadRequest("missing_field", "max_polecats is required");
        // gt itself takes -1 ("no limit, dispatch at once") and 0; anything lower is a typo.
        if (value < -1)
            return ApiError.BadRequest("invalid_value", "max_polecats must be -1 (direct dispatch, no limit) or 0 or more");
        return await Run(editor, () => editor.PlanSetMaxPolecats(value), request.HttpContext.RequestAborted);
    }

    private static IResult? Unsupported(IOrchestrationEditor editor) =>
        editor.SupportsMutations
            ? null
            : ApiError.BadRequest("kind_unsupported", $"this is Gas Town only; the bound adaptor '{editor.AdaptorId}' does not support it");

    /// <summary>A name the adaptor refuses is the caller's error (400); a command that ran and failed is gt's (502).</summary>
    private static async Task<IResult> Run(IOrchestrationEditor editor, Func<AdaptorCommand> plan, CancellationToken cancellationToken)
    {
        AdaptorCommand command;
        try
        {
            command = plan();
        }
        catch (ArgumentException ex)
        {
            return ApiError.BadRequest("invalid_name", ex.Message.Split(" (Parameter", 2)[0]);
        }
        var run = await editor.RunAsync(command, cancellationToken);
        return run.Ok ? TypedResults.Ok(run) : TypedResults.Json(run, statusCode: StatusCodes.Status502BadGateway);
    }
}

/// <param name="GitUrl">Optional: clone this repository as the rig (<c>gt rig add name url</c>); without it the rig adopts an existing directory.</param>
public sealed record CreateScopeRequest(string? Name, string? GitUrl);

public sealed record CreatePolecatRequest(string? Rig, string? Persona);

public sealed record SchedulerConfigRequest(int? MaxPolecats);

public sealed record SchedulerConfigResponse(int? MaxPolecats, string? Problem);
