using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gemba.Api.Http;

/// <summary>
/// Gives a bodiless error status (404 for no route, 405 for a wrong method, a framework 400) our JSON
/// envelope. Off the API it applies only when no endpoint matched, so a page (the UI's Razor
/// components) that answers its own 4xx keeps its own body.
/// </summary>
internal static class ApiStatusPages
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var ours = http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/healthz")
            || http.Request.Path.StartsWithSegments("/openapi") || http.GetEndpoint() is null
            || http.Response.StatusCode == StatusCodes.Status405MethodNotAllowed;
        if (!ours) return Task.CompletedTask;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = http.Response.StatusCode },
        }).AsTask();
    }
}
