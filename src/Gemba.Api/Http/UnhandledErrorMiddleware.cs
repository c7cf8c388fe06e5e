using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gemba.Api.Http;

/// <summary>Turns an unexpected exception into the API's error shape instead of an HTML page.</summary>
public sealed partial class UnhandledErrorMiddleware(RequestDelegate next, ILogger<UnhandledErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogUnhandled(context.Request.Method, context.Request.Path, ex);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new ApiError("internal", ex.Message));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private partial void LogUnhandled(string method, string path, Exception ex);
}
