using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Endpoints;

/// <summary>Which work plane serves the beads, and what of its data it currently cannot read.</summary>
public static class WorkPlaneApi
{
    public static IEndpointRouteBuilder MapWorkPlaneApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/work-plane").WithTags("Work plane").MapGet("", Get);
        return app;
    }

    public static Ok<WorkPlaneResponse> Get(IWorkPlane plane)
    {
        var problems = plane is IWorkPlaneDiagnostics diagnostics ? diagnostics.CurrentProblems : [];
        return TypedResults.Ok(new WorkPlaneResponse(
            plane.Info.AdaptorId, plane.Info.Version, plane.Info.Mode, plane.Info.Source,
            [.. problems.Select(p => new WorkPlaneProblemView(p.Where, p.Message))]));
    }
}

public sealed record WorkPlaneResponse(string Adaptor, string Version, string Mode, string Source, IReadOnlyList<WorkPlaneProblemView> Problems);

public sealed record WorkPlaneProblemView(string Where, string Message);
