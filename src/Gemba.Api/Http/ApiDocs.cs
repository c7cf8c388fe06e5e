using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Gemba.Api.Http;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, generated from the endpoints themselves) and
/// <c>/api-docs</c>, our own page that renders it: no CDN and no script from elsewhere, so it works
/// on a machine without internet, and nothing of it has to be kept in step by hand.
/// </summary>
internal static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/api-docs";

    public static IServiceCollection AddGembaOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Gemba",
                    Version = "v1",
                    Description = "Every mutation needs the X-GEMBA-Confirm header; every error is {\"error\": code, \"message\": text} (docs/http-api.md).",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(new ConfirmNonceHeader());
        });

    public static IEndpointRouteBuilder MapGembaApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal));
        app.MapGet(PagePath, () => TypedResults.Content(Page.Value, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(ApiDocs).Assembly.GetManifestResourceStream("Gemba.Api.Http.api-docs.html")
            ?? throw new InvalidOperationException("the api-docs page is missing from Gemba.Api's resources");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Puts the confirm-nonce header on every mutation, where the middleware (not the handler) demands it.</summary>
    private sealed class ConfirmNonceHeader : IOpenApiOperationTransformer
    {
        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            var method = context.Description.HttpMethod;
            var isMutation = method is not null && (HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method));
            if (isMutation && ("/" + context.Description.RelativePath).StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = ConfirmNonceMiddleware.Header,
                    In = ParameterLocation.Header,
                    Required = true,
                    Description = "A client-minted nonce; a replay within 5 minutes returns the first answer (with X-GEMBA-Confirm-Replay: true) instead of acting twice.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            return Task.CompletedTask;
        }
    }
}
