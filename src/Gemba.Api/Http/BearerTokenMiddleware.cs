using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gemba.Api.Http;

/// <summary>
/// Active whenever the server was started with <c>--token</c> (mandatory off loopback, optional on it):
/// every call but <c>/healthz</c> must bear the token. Agents started by gemba get it as <c>GEMBA_TOKEN</c>.
/// A browser signs in once at <c>/login</c> and then carries a session cookie instead: a page opened
/// without either is sent there, while API calls get a 401 in the error envelope. The cookie holds an
/// HMAC of the token, not the token, and is HttpOnly and SameSite=Strict, so another site can neither
/// read it nor make this browser send it (mutations also need the confirm-nonce header a form cannot set).
/// </summary>
public sealed class BearerTokenMiddleware(RequestDelegate next, string token)
{
    public const string LoginPath = "/login";
    public const string CookieName = "gemba_session";

    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);
    private readonly byte[] _session = SessionValue(token);

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz"))
        {
            await next(context);
            return;
        }
        if (path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase))
        {
            await LoginAsync(context);
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
        if (CryptographicOperations.FixedTimeEquals(presented, _expected) || HasSession(context.Request))
        {
            await next(context);
            return;
        }
        if (IsPageNavigation(context.Request))
        {
            context.Response.Redirect($"{LoginPath}?return={Uri.EscapeDataString(path + context.Request.QueryString)}");
            return;
        }
        var why = presented.Length == 0 ? "no bearer token was sent" : "the bearer token does not match";
        await ApiErrorWriter.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized",
            $"this server was started with --token: send 'Authorization: Bearer <token>' ({why}); agents get it as GEMBA_TOKEN; a browser signs in at {LoginPath}");
    }

    private async Task LoginAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method))
        {
            await WritePageAsync(context, StatusCodes.Status200OK, LocalReturn(request.Query["return"]), error: null);
            return;
        }
        if (!HttpMethods.IsPost(request.Method) || !request.HasFormContentType)
        {
            await ApiErrorWriter.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed", $"{LoginPath} takes GET, or POST of a form with 'token'");
            return;
        }
        var form = await request.ReadFormAsync(context.RequestAborted);
        var target = LocalReturn(form["return"]);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(form["token"].ToString().Trim()), _expected))
        {
            await WritePageAsync(context, StatusCodes.Status401Unauthorized, target, "That is not this server's token.");
            return;
        }
        context.Response.Cookies.Append(CookieName, Convert.ToHexStringLower(_session), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        context.Response.Redirect(target);
    }

    private bool HasSession(HttpRequest request)
    {
        if (request.Cookies[CookieName] is not { Length: 64 } value) return false;
        try { return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(value), _session); }
        catch (FormatException) { return false; }
    }

    /// <summary>A browser opening a page (not a script calling the API): sent to sign in rather than shown a 401.</summary>
    private static bool IsPageNavigation(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.Path.StartsWithSegments("/api")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>Only a path on this server: an absolute or protocol-relative URL would make the sign-in an open redirect.</summary>
    private static string LocalReturn(string? value) =>
        value is { Length: > 0 } v && v[0] == '/' && !v.StartsWith("//", StringComparison.Ordinal) && !v.StartsWith("/\\", StringComparison.Ordinal) ? v : "/";

    private static byte[] SessionValue(string token) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), "gemba web UI session"u8);

    private static async Task WritePageAsync(HttpContext context, int status, string returnTo, string? error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var page = Page.Value
            .Replace("<!--return-->", WebUtility.HtmlEncode(returnTo), StringComparison.Ordinal)
            .Replace("<!--error-->", error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>", StringComparison.Ordinal);
        await context.Response.WriteAsync(page, context.RequestAborted);
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(BearerTokenMiddleware).Assembly.GetManifestResourceStream("Gemba.Api.Http.login.html")
            ?? throw new InvalidOperationException("the login page is missing from Gemba.Api's resources");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
