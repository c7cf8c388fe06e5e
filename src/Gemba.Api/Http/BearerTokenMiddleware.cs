using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gemba.Api.Http;

/// <summary>
/// Active whenever the server was started with <c>--token</c> (mandatory off loopback, optional on it):
/// every call but <c>/healthz</c> must bear the token. Agents started by gemba get it as <c>GEMBA_TOKEN</c>.
/// </summary>
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
            var why = presented.Length == 0 ? "no bearer token was sent" : "the bearer token does not match";
            await ApiErrorWriter.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized",
                $"this server was started with --token: send 'Authorization: Bearer <token>' ({why}); agents get it as GEMBA_TOKEN");
            return;
        }
        await next(context);
    }
}
