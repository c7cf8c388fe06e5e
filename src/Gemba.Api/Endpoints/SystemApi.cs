using System.Text.Json;
using Gemba.Config;
using Gemba.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
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
    /// <remarks>
    /// The stream never ends by itself, and the server waits for open requests when it stops: it
    /// ends on the client going away or the server stopping, so a connected browser never holds up
    /// a SIGTERM. Clients reconnect (EventSource does) to whichever server answers next.
    /// </remarks>
    public static async Task Events(HttpContext context, IGembaEvents events, IOptions<JsonOptions> json, IHostApplicationLifetime lifetime)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancel = end.Token;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            await context.Response.WriteAsync(": gemba event stream\n\n", cancel);
            await context.Response.Body.FlushAsync(cancel);
            await foreach (var e in events.SubscribeAsync(cancel))
            {
                var data = JsonSerializer.Serialize(e, json.Value.SerializerOptions);
                await context.Response.WriteAsync($"event: {e.Kind}\ndata: {data}\n\n", cancel);
                await context.Response.Body.FlushAsync(cancel);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the server is stopping.
        }
    }
}

public sealed record HealthResponse(string Status, int Pools);

public sealed record CapabilitiesResponse(string InstanceId, WorkPlaneManifest? WorkPlane, OrchestrationManifest? OrchestrationPlane);

public sealed record WorkPlaneManifest(string AdaptorId, string Version, string Mode, string Source);

public sealed record OrchestrationManifest(string AdaptorId);
