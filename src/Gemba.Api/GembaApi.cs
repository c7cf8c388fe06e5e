using System.Text.Json;
using System.Text.Json.Serialization;
using Gemba.Api.Components;
using Gemba.Api.Endpoints;
using Gemba.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gemba.Api;

public static class GembaApi
{
    /// <summary>JSON on the wire is snake_case, enums as strings, nulls omitted.</summary>
    public static IServiceCollection AddGembaApi(this IServiceCollection services, GembaServerInfo info)
    {
        services.AddSingleton(info);
        services.AddSingleton<PoolsReadCache>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddGembaUi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = RequestBodyLimit.MaxBytes);
        // Errors: registered before AddProblemDetails so ours is the first writer asked (docs/http-api.md).
        services.AddSingleton<IProblemDetailsWriter, ApiErrorWriter>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // A query value that does not parse throws, so the exception handler can name the parameter.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddGembaOpenApi();
        return services;
    }

    /// <summary>
    /// The middleware every API request passes: errors in our envelope, the body limit, bearer token
    /// off loopback, confirm-nonce on mutations.
    /// </summary>
    public static IApplicationBuilder UseGembaApi(this IApplicationBuilder app, string? bearerToken)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(ApiStatusPages.WriteAsync);
        app.UseMiddleware<RequestBodyLimit>();
        if (!string.IsNullOrEmpty(bearerToken)) app.UseMiddleware<BearerTokenMiddleware>(bearerToken);
        app.UseMiddleware<ConfirmNonceMiddleware>();
        app.Use((context, next) =>
        {
            // Shared reads must not hand a client back a state older than its own change: invalidated as
            // the answer starts, after the handler's effect and before the client can ask again.
            if (ConfirmNonceMiddleware.IsMutation(context.Request))
            {
                var cache = context.RequestServices.GetRequiredService<PoolsReadCache>();
                context.Response.OnStarting(() => { cache.Invalidate(); return Task.CompletedTask; });
            }
            return next(context);
        });
        app.UseAntiforgery();
        return app;
    }

    public static IEndpointRouteBuilder MapGembaApi(this IEndpointRouteBuilder app)
    {
        app.MapSystemApi();
        app.MapPoolsApi();
        app.MapSessionsApi();
        app.MapDispatchApi();
        app.MapEscalationsApi();
        app.MapWorkPlaneApi();
        app.MapPoolConfigApi();
        app.MapCatalogApi();
        app.MapOrchestrationApi();
        app.MapOperatorApi();
        app.MapWorkItemsApi();
        app.MapGembaApiDocs();
        app.MapGembaUi();
        // No MapFallback for unknown routes: a catch-all endpoint would also match a known route's
        // wrong method and hide the 405; the status-code pages answer the JSON 404 instead.
        return app;
    }
}
