using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Gemba.Api.Http;

/// <summary>
/// Classifies an exception that escaped a handler into a status and a stable code, and hands it to
/// <see cref="ApiErrorWriter"/>. Minimal APIs report a query value that does not parse by throwing
/// <see cref="BadHttpRequestException"/> (we turn <c>ThrowOnBadRequest</c> on for that); its message
/// is parsed only to find which parameter failed, and our own message is written instead of it.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> log) : IExceptionHandler
{
    [GeneratedRegex("""^Failed to bind parameter "(?<type>.*?)\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedBind();

    [GeneratedRegex("""^Failed to read parameter "(?<type>.*?)\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)" from the request body as JSON""")]
    private static partial Regex FailedBody();

    [GeneratedRegex("""^Required parameter "(?<type>.*?)\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)" was not provided""")]
    private static partial Regex MissingRequired();

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var feature = context.Features.Get<IExceptionHandlerFeature>();
        var method = context.Request.Method;
        var path = feature?.Path ?? context.Request.Path.Value ?? "/";
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(method, path);
            return true;
        }

        var (status, code, message) = Classify(context, feature, exception);
        if (RequestBodyLimit.IsTooLarge(exception)) RequestBodyLimit.CloseAfterResponse(context);
        if (status >= 500) LogUnhandled(method, path, ApiErrorWriter.TraceId(context), exception);
        else LogRejected(method, path, status, code);
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = message, Extensions = { [ApiErrorWriter.CodeKey] = code } },
        });
    }

    private static (int Status, string Code, string Message) Classify(HttpContext context, IExceptionHandlerFeature? feature, Exception exception)
    {
        if (exception is not BadHttpRequestException bad) return (StatusCodes.Status500InternalServerError, "internal", "");
        if (RequestBodyLimit.IsTooLarge(bad))
            return (bad.StatusCode, "body_too_large", $"request body is larger than the server accepts ({RequestBodyLimit.Describe(context)})");
        if (bad.StatusCode == StatusCodes.Status400BadRequest)
        {
            if (FailedBind().Match(bad.Message) is { Success: true } failed)
            {
                var (source, name, type) = Source(context, feature, failed.Groups["name"].Value);
                var value = ApiErrorWriter.Echo(failed.Groups["value"].Value);
                return (400, $"invalid_{source}", $"{source} parameter '{name}' has an invalid value '{value}'{Expected(type)}");
            }
            if (FailedBody().IsMatch(bad.Message))
            {
                // A JsonException says where in the body it broke, which is the client's to know; nothing of ours is in it.
                var where = bad.InnerException is System.Text.Json.JsonException { LineNumber: { } line } json
                    ? $" (line {line + 1}, byte {json.BytePositionInLine + 1}{(json.Path is { Length: > 1 } p ? $", at {p}" : "")})"
                    : "";
                return (400, "invalid_body", $"request body is not valid JSON for this route{where}");
            }
            if (MissingRequired().Match(bad.Message) is { Success: true } missing)
            {
                var (source, name, _) = Source(context, feature, missing.Groups["name"].Value);
                return (400, $"missing_{source}", $"{source} parameter '{name}' is required");
            }
        }
        return (bad.StatusCode, ApiErrorWriter.CodeFor(bad.StatusCode), $"the request could not be read (status {bad.StatusCode})");
    }

    /// <summary>Where the failed parameter came from and its name on the wire (a <c>[FromQuery(Name=…)]</c> alias, say).</summary>
    private static (string Source, string Name, Type? Type) Source(HttpContext context, IExceptionHandlerFeature? feature, string parameter)
    {
        var endpoint = feature?.Endpoint ?? context.GetEndpoint();
        var info = endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters().FirstOrDefault(p => p.Name == parameter);
        var type = info?.ParameterType;
        if (info?.GetCustomAttributes().OfType<IFromRouteMetadata>().FirstOrDefault() is { } route) return ("route", route.Name ?? parameter, type);
        if (endpoint is RouteEndpoint re && re.RoutePattern.GetParameter(parameter) is not null) return ("route", parameter, type);
        if (info?.GetCustomAttributes().OfType<IFromHeaderMetadata>().FirstOrDefault() is { } header) return ("header", header.Name ?? parameter, type);
        var query = info?.GetCustomAttributes().OfType<IFromQueryMetadata>().FirstOrDefault()?.Name ?? parameter;
        return ("query", query, type);
    }

    private static string Expected(Type? type)
    {
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (t is { IsArray: true }) t = t.GetElementType();
        return t switch
        {
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) => ": expected an integer",
            _ when t == typeof(bool) => ": expected true or false",
            _ when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => ": expected a number",
            _ when t == typeof(DateTimeOffset) || t == typeof(DateTime) => ": expected an ISO 8601 time",
            _ when t == typeof(Guid) => ": expected a GUID",
            { IsEnum: true } => $": expected one of {string.Join(", ", Enum.GetNames(t))}",
            _ => "",
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed (trace id {TraceId})")]
    private partial void LogUnhandled(string method, string path, string traceId, Exception ex);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} refused: {Status} {Code}")]
    private partial void LogRejected(string method, string path, int status, string code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}: the client went away")]
    private partial void LogClientGone(string method, string path);
}
