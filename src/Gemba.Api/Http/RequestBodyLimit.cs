using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gemba.Api.Http;

/// <summary>
/// The largest request body the API reads. Every body here is a small JSON signal or a pool file
/// (kilobytes), so 1 MiB leaves two orders of magnitude of room while bounding what one request can
/// make the server buffer (the body itself, then an echoing response in the confirm-nonce cache).
/// Kestrel enforces it as it reads; this middleware refuses a declared oversize body before any
/// handler or side effect runs, so a handler that never reads its body cannot be reached with one either.
/// </summary>
internal sealed class RequestBodyLimit(RequestDelegate next)
{
    public const long MaxBytes = 1024 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? MaxBytes;
        if (context.Request.ContentLength <= limit || context.Request.ContentLength is null) return next(context);
        CloseAfterResponse(context);
        return ApiErrorWriter.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large",
            $"request body of {context.Request.ContentLength} bytes is larger than the {limit} bytes this server accepts");
    }

    /// <summary>
    /// The rest of an oversize body is never read, so the connection cannot carry another request:
    /// saying so up front stops the client from sending its next request down a socket being closed.
    /// </summary>
    public static void CloseAfterResponse(HttpContext context) => context.Response.Headers.Connection = "close";

    public static string Describe(HttpContext context) =>
        $"at most {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? MaxBytes} bytes";

    /// <summary>What a body read that hit the limit answers, wherever the read happened.</summary>
    public static bool IsTooLarge(Exception ex) => ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };
}
