using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gemba.Api.Http;

/// <summary>
/// The one place an error body is rendered. Why a problem-details writer rather than our own catch-all
/// middleware: <c>IProblemDetailsService</c> is the seam every framework error producer already calls
/// (the exception handler, status-code pages, minimal-API validation, <c>TypedResults.Problem</c>), so
/// replacing its writer gives those — including ones we do not know about yet — our envelope instead
/// of RFC 7807. Our own middlewares (bearer token, confirm nonce, body limit) write through
/// <see cref="WriteAsync(HttpContext,int,string,string)"/>, the same rendering.
/// </summary>
internal sealed class ApiErrorWriter : IProblemDetailsWriter
{
    /// <summary>The <c>ProblemDetails.Extensions</c> key a producer sets to choose the stable code.</summary>
    public const string CodeKey = "gemba_code";

    private const int MaxEchoedChars = 200;

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        if (context.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 } invalid)
        {
            // Minimal-API validation (or a handler's ValidationProblem): every field and what is wrong with it.
            var fields = invalid.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}");
            return new ValueTask(WriteAsync(http, status, "validation_failed", Echo(string.Join("; ", fields), 2000)));
        }
        var code = context.ProblemDetails.Extensions.TryGetValue(CodeKey, out var c) && c is string s ? s : CodeFor(status);
        return new ValueTask(WriteAsync(http, status, code, context.ProblemDetails.Detail ?? DefaultMessage(http, status)));
    }

    public static Task WriteAsync(HttpContext http, int status, string code, string message)
    {
        var error = new ApiError(code, message);
        if (status >= 500)
        {
            // Whatever a producer put in the detail (the framework's own text, an exception message)
            // stays in the log: a 5xx body says only where to look.
            var trace = TraceId(http);
            error = new ApiError(code, $"the server failed to answer this request; its log has the details under trace id {trace}") { TraceId = trace };
        }
        http.Response.StatusCode = status;
        var options = http.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions;
        return http.Response.WriteAsJsonAsync(error, options, "application/json; charset=utf-8", http.RequestAborted);
    }

    /// <summary>What a 5xx body and its log line share, so an operator can find one from the other.</summary>
    public static string TraceId(HttpContext http) => Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;

    /// <summary>The stable codes of framework statuses; docs/http-api.md lists them.</summary>
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status406NotAcceptable => "not_acceptable",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status411LengthRequired => "length_required",
        StatusCodes.Status413PayloadTooLarge => "body_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "headers_too_large",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        >= 500 => "internal",
        _ => $"http_{status}",
    };

    private static string DefaultMessage(HttpContext http, int status)
    {
        var route = $"{http.Request.Method} {Echo(http.Request.Path.Value ?? "/")}";
        return status switch
        {
            StatusCodes.Status404NotFound => $"no such route: {route}",
            StatusCodes.Status405MethodNotAllowed => http.Response.Headers.Allow.ToString() is { Length: > 0 } allow
                ? $"{route}: the method is not allowed here (allowed: {allow})"
                : $"{route}: the method is not allowed here",
            StatusCodes.Status413PayloadTooLarge => $"request body is larger than the server accepts ({RequestBodyLimit.Describe(http)})",
            _ => $"{route}: the request failed with status {status}",
        };
    }

    /// <summary>Client text quoted back is cut short: an error must not grow with the request.</summary>
    public static string Echo(string text, int max = MaxEchoedChars) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
