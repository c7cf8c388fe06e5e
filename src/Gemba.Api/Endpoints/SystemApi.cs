using System.Text.Json;
using Gemba.Config;
using Gemba.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gemba.Api.Endpoints;

/// <summary>Health, capabilities (the UI's adaptor branch) and the server-sent event stream.</summary>
public static class SystemApi
{
    public static IEndpointRouteBuilder MapSystemApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health).WithTags("System");
        var api = app.MapGroup("/api").WithTags("System");
        api.MapGet("/capabilities", Capabilities);
        api.MapGet("/events", Events).Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        app.MapGroup("/api/v1").WithTags("System").MapGet("/capabilities", Capabilities);
        return app;
    }

    public static async Task<Ok<HealthResponse>> Health(IGrainFactory grains)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        return TypedResults.Ok(new HealthResponse("ok", config.Pools.Count));
    }

    public static Ok<CapabilitiesResponse> Capabilities(GembaServerInfo info) => TypedResults.Ok(new CapabilitiesResponse(
        info.InstanceId,
        info.WorkPlane is { } wp ? new WorkPlaneManifest(wp.AdaptorId, wp.Version, wp.Mode, wp.Source) : null,
        info.OrchestrationAdaptor is { } id ? new OrchestrationManifest(id) : null));

    /// <summary>Server-sent events: one <c>event:</c>/<c>data:</c> pair per dispatch or session change.</summary>
    public static async Task Events(HttpContext context, IGembaEvents events, IOptions<JsonOptions> json)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(": gemba event stream\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            await foreach (var e in events.SubscribeAsync(context.RequestAborted))
            {
                var data = JsonSerializer.Serialize(e, json.Value.SerializerOptions);
                await context.Response.WriteAsync($"event: {e.Kind}\ndata: {data}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}

public sealed record HealthResponse(string Status, int Pools);

public sealed record CapabilitiesResponse(string InstanceId, WorkPlaneManifest? WorkPlane, OrchestrationManifest? OrchestrationPlane);

public sealed record WorkPlaneManifest(string AdaptorId, string Version, string Mode, string Source);

public sealed record OrchestrationManifest(string AdaptorId);
