using Microsoft.AspNetCore.Http;

namespace Gemba.Api.Http;

/// <summary>Every error leaves the API as <c>{"error": code, "message": text}</c> with a stable code.</summary>
public sealed record ApiError(string Error, string Message)
{
    public static IResult Result(int status, string code, string message) =>
        TypedResults.Json(new ApiError(code, message), statusCode: status);

    public static IResult BadRequest(string code, string message) => Result(StatusCodes.Status400BadRequest, code, message);

    public static IResult NotFound(string code, string message) => Result(StatusCodes.Status404NotFound, code, message);
}
