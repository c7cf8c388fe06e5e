using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gemba.Api.Http;

/// <summary>
/// Reads a JSON body ourselves so a malformed one gets our error shape, naming where it broke
/// (line and byte position) and which field had the wrong type, and a body over the request limit
/// gets 413 <c>body_too_large</c> (the read throws once Kestrel's limit is passed).
/// </summary>
public static class JsonBody
{
    public readonly record struct Read<T>(T? Value, JsonHttpResult<ApiError>? Failure)
    {
        public IResult? Error => Failure;
    }

    public static async Task<Read<T>> ReadAsync<T>(HttpRequest request) where T : class
    {
        var result = await ReadOptionalAsync<T>(request);
        if (result.Error is null && result.Value is null)
            return new Read<T>(null, ApiError.Json(StatusCodes.Status400BadRequest, "invalid_body", "request body is required"));
        return result;
    }

    /// <summary>An empty body reads as null (e.g. bead-done without a bead id).</summary>
    public static async Task<Read<T>> ReadOptionalAsync<T>(HttpRequest request) where T : class
    {
        string text;
        try
        {
            using var reader = new StreamReader(request.Body);
            text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (RequestBodyLimit.IsTooLarge(ex))
        {
            RequestBodyLimit.CloseAfterResponse(request.HttpContext);
            return new Read<T>(null, ApiError.Json(StatusCodes.Status413PayloadTooLarge, "body_too_large",
                $"request body is larger than the server accepts ({RequestBodyLimit.Describe(request.HttpContext)})"));
        }
        if (string.IsNullOrWhiteSpace(text)) return new Read<T>(null, null);
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return new Read<T>(JsonSerializer.Deserialize<T>(text, options), null);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 1 } path ? $" at {path}" : "";
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return new Read<T>(null, ApiError.Json(StatusCodes.Status400BadRequest, "invalid_body", $"request body is not valid JSON{where}{line}: {FirstSentence(ex.Message)}"));
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
