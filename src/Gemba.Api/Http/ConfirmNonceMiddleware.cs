using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Gemba.Api.Http;

/// <summary>
/// Every mutation carries <c>X-GEMBA-Confirm</c>, a client-minted nonce. The first use runs the
/// handler and caches its response; a replay within five minutes gets the cached response back
/// (with <c>X-GEMBA-Confirm-Replay: true</c>) instead of a second side effect; 5xx answers are not
/// cached, so a retry after a server error runs again. Keyed by
/// (method, path, nonce): the original keyed by nonce alone and replayed across routes.
/// </summary>
public sealed class ConfirmNonceMiddleware(RequestDelegate next, TimeProvider time)
{
    public const string Header = "X-GEMBA-Confirm";
    public const string ReplayHeader = "X-GEMBA-Confirm-Replay";
    private const int Capacity = 1024;
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, CachedResponse> _cache = new(StringComparer.Ordinal);

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
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new ApiError("missing_confirm_nonce",
                $"{Header} header is required for mutating requests"));
            return;
        }

        var key = $"{context.Request.Method} {context.Request.Path}\n{nonce}";
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            context.Response.StatusCode = cached.Status;
            if (cached.ContentType is not null) context.Response.ContentType = cached.ContentType;
            context.Response.Headers[ReplayHeader] = "true";
            await context.Response.Body.WriteAsync(cached.Body);
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var body = buffer.ToArray();
        // A server error is not an answer worth replaying: the client retries with the same nonce
        // (gemba-state does, across restarts) and must reach the handler again.
        if (context.Response.StatusCode < 500) Store(key, new CachedResponse(context.Response.StatusCode, context.Response.ContentType, body, now + Ttl), now);
        await original.WriteAsync(body);
    }

    private void Store(string key, CachedResponse response, DateTimeOffset now)
    {
        if (_cache.Count >= Capacity)
        {
            foreach (var expired in _cache.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList()) _cache.TryRemove(expired, out _);
            // Still full of live entries: drop the oldest quarter.
            if (_cache.Count >= Capacity)
                foreach (var old in _cache.OrderBy(e => e.Value.Expires).Take(Capacity / 4).Select(e => e.Key).ToList()) _cache.TryRemove(old, out _);
        }
        _cache[key] = response;
    }

    private static bool IsMutation(HttpRequest request) =>
        request.Path.StartsWithSegments("/api")
        && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method)
            || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method));

    private sealed record CachedResponse(int Status, string? ContentType, byte[] Body, DateTimeOffset Expires);
}
