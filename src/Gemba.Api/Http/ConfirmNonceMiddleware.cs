using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gemba.Api.Http;

/// <summary>
/// Every mutation carries <c>X-GEMBA-Confirm</c>, a client-minted nonce. The first use runs the
/// handler and caches its response; a replay within five minutes gets the cached response back
/// (with <c>X-GEMBA-Confirm-Replay: true</c>) instead of a second side effect, and so does a request
/// that arrives while the first is still running (it waits for that one's answer). 5xx answers are
/// not kept, so a retry after a server error runs again. An answer too big to keep leaves a marker:
/// its replay is refused with 409 <c>nonce_replayed_uncached</c> rather than run twice.
/// Keyed by (method, route, nonce): the original keyed by nonce alone and replayed across routes.
/// </summary>
public sealed class ConfirmNonceMiddleware(RequestDelegate next, TimeProvider time)
{
    public const string Header = "X-GEMBA-Confirm";
    public const string ReplayHeader = "X-GEMBA-Confirm-Replay";

    private readonly NonceCache _cache = new(time, NonceCacheLimits.Default);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsMutation(context.Request))
        {
            await next(context);
            return;
        }
        var nonce = context.Request.Headers[Header].ToString().Trim();
        if (nonce.Length == 0)
        {
            await ApiErrorWriter.WriteAsync(context, StatusCodes.Status400BadRequest, "missing_confirm_nonce",
                $"{Header} header is required for mutating requests");
            return;
        }

        var key = $"{context.Request.Method.ToUpperInvariant()} {RouteKey(context)}\n{nonce}";
        while (true)
        {
            switch (_cache.Claim(key))
            {
                case NonceClaim.Replay replay:
                    await WriteReplayAsync(context, replay.Response);
                    return;
                case NonceClaim.RanUncached ran:
                    await ApiErrorWriter.WriteAsync(context, StatusCodes.Status409Conflict, "nonce_replayed_uncached",
                        $"this {Header} nonce was already used on this route; that request ran and answered {ran.Status} with {ran.Bytes} bytes, " +
                        "too many to keep for a replay, so it is not run again: send a new nonce to repeat the action");
                    return;
                case NonceClaim.Wait wait:
                    if (await wait.Outcome.WaitAsync(context.RequestAborted) is { } answer)
                    {
                        await WriteReplayAsync(context, answer);
                        return;
                    }
                    continue; // the first one failed: the nonce is free again, claim it
                default:
                    await RunAsync(context, key);
                    return;
            }
        }
    }

    private async Task RunAsync(HttpContext context, string key)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            _cache.Abandon(key);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }
        var body = buffer.ToArray();
        // A server error is not an answer worth replaying: the client retries with the same nonce
        // (gemba-state does, across restarts) and must reach the handler again.
        if (context.Response.StatusCode < 500) _cache.Complete(key, new NonceResponse(context.Response.StatusCode, context.Response.ContentType, body));
        else _cache.Abandon(key);
        // Not even zero bytes for an empty answer: a write starts the response, and the status-code
        // pages outside must still be able to give a bodiless 404/405 our JSON.
        if (body.Length > 0) await original.WriteAsync(body, context.RequestAborted);
    }

    private static async Task WriteReplayAsync(HttpContext context, NonceResponse response)
    {
        context.Response.StatusCode = response.Status;
        if (response.ContentType is not null) context.Response.ContentType = response.ContentType;
        context.Response.Headers[ReplayHeader] = "true";
        if (response.Body.Length > 0) await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    /// <summary>
    /// One key per route however it is spelled: routing matches <c>/API/x</c> and <c>/api/x/</c> to
    /// the same endpoint, so the endpoint's pattern and its route values name it; a path no endpoint
    /// matched is case-folded and loses its trailing slash.
    /// </summary>
    internal static string RouteKey(HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern: { RawText: { } raw } pattern })
        {
            var key = new StringBuilder(raw.TrimEnd('/').ToLowerInvariant());
            foreach (var parameter in pattern.Parameters)
                key.Append('\n').Append(parameter.Name).Append('=').Append(context.Request.RouteValues[parameter.Name]);
            return key.ToString();
        }
        return (context.Request.Path.Value ?? "").TrimEnd('/').ToLowerInvariant();
    }

    public static bool IsMutation(HttpRequest request) =>
        request.Path.StartsWithSegments("/api")
        && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method)
            || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method));
}
