using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gemba.Api.Http;

/// <summary>
/// Every error leaves the API as <c>{"error": code, "message": text}</c> with a stable code; a 5xx also
/// carries <c>trace_id</c>, the handle to find it in the server log (the message never has exception text).
/// </summary>
public sealed record ApiError(string Error, string Message)
{
    public string? TraceId { get; init; }

    /// <summary>The typed form, for handlers declared as <c>Results&lt;Ok&lt;T&gt;, JsonHttpResult&lt;ApiError&gt;&gt;</c>.</summary>
    public static JsonHttpResult<ApiError> Json(int status, string code, string message) =>
        TypedResults.Json(new ApiError(code, message), statusCode: status);

    public static IResult Result(int status, string code, string message) => Json(status, code, message);

    public static IResult BadRequest(string code, string message) => Json(StatusCodes.Status400BadRequest, code, message);

    public static IResult NotFound(string code, string message) => Json(StatusCodes.Status404NotFound, code, message);
}
