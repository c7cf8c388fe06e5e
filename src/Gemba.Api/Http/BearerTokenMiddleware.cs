using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gemba.Api.Http;

/// <summary>Required when the server binds beyond loopback: every /api call must bear the token.</summary>
public sealed class BearerTokenMiddleware(RequestDelegate next, string token)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/healthz"))
        {
            await next(context);
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
        if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new ApiError("unauthorized", "a valid bearer token is required on a non-loopback bind"));
            return;
        }
        await next(context);
    }
}
