using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gemba.Api.Components;

/// <summary>
/// The web UI: Razor components rendered on the server (interactive over the Blazor circuit), so the
/// editor's preview, validation and what-if run the very services a save uses.
/// </summary>
public static class GembaUi
{
    public static IServiceCollection AddGembaUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // One feed for every open overview, running from start so the charts have history on first look.
        services.AddSingleton<Live.LiveMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<Live.LiveMetrics>());
        return services;
    }

    /// <summary>
    /// Static assets (our CSS, <c>_framework/blazor.web.js</c>) come from the endpoints manifest the
    /// build writes beside the executable, so they are served from <c>artifacts/gemba</c> as from <c>dotnet run</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapGembaUi(this IEndpointRouteBuilder app)
    {
        // Without a build's manifest (a host assembled by hand) the pages still render, unstyled and
        // static, rather than the whole server failing to start.
        var env = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>();
        if (File.Exists(Path.Combine(env.ContentRootPath, $"{env.ApplicationName}.staticwebassets.endpoints.json")))
            app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
