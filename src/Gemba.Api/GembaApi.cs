using System.Text.Json;
using System.Text.Json.Serialization;
using Gemba.Api.Components;
using Gemba.Api.Endpoints;
using Gemba.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gemba.Api;

public static class GembaApi
{
    /// <summary>JSON on the wire is snake_case, enums as strings, nulls omitted.</summary>
    public static IServiceCollection AddGembaApi(this IServiceCollection services, GembaServerInfo info)
    {
        services.AddSingleton(info);
        services.AddGembaUi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        return services;
    }

    /// <summary>The middleware every API request passes: bearer token off loopback, confirm-nonce on mutations.</summary>
    public static IApplicationBuilder UseGembaApi(this IApplicationBuilder app, string? bearerToken)
    {
        app.UseMiddleware<UnhandledErrorMiddleware>();
        if (!string.IsNullOrEmpty(bearerToken)) app.UseMiddleware<BearerTokenMiddleware>(bearerToken);
        app.UseMiddleware<ConfirmNonceMiddleware>();
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
        app.MapGembaUi();
        app.MapFallback("/api/{**rest}", () => ApiError.NotFound("not_found", "no such API route"));
        return app;
    }
}
