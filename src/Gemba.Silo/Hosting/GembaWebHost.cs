using Gemba.Api;
using Gemba.Config;
using Gemba.Events;
using Gemba.Grains;
using Gemba.Orchestration;
using Gemba.Silo.Events;
using Gemba.Silo.Orchestration;
using Gemba.Silo.Orchestration.GasTown;
using Gemba.Silo.Orchestration.Native;
using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gemba.Silo.Hosting;

/// <summary>
/// What a silo (<c>gemba serve</c>) and a gateway (<c>gemba gateway</c>) share: the web host, the
/// workspace's services (config, work plane, orchestration editor, live events) and the API with its UI.
/// They differ only in how they reach the grains: hosting them, or as an Orleans client.
/// </summary>
internal static class GembaWebHost
{
    public static WebApplicationBuilder CreateBuilder(ServeOptions options)
    {
        // Work-plane rewrites, SQLite commits and CLI calls block pool threads briefly; starting with
        // a deeper pool avoids the slow thread injection that otherwise throttles the first minutes.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            // The UI's static-asset manifests are named after this assembly; under a test host the entry assembly differs.
            ApplicationName = typeof(GembaWebHost).Assembly.GetName().Name,
        });
        builder.WebHost.UseUrls($"http://{options.Listen}:{options.Port}");
        // The UI's static files are served from the build output's manifest in every environment, not only Development.
        builder.WebHost.UseStaticWebAssets();
        // A build manifest otherwise adds a GET catch-all for files missing from it, which turns every
        // unknown route into a 404/405 of that fallback instead of the API's own answer.
        builder.Configuration["DisableStaticAssetNotFoundRuntimeFallback"] = "true";
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(options.Quiet ? LogLevel.Warning : LogLevel.Information);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        return builder;
    }

    /// <summary>The Redis of a <c>--cluster redis</c> process; null in embedded mode.</summary>
    public static ConfigurationOptions? Redis(ServeOptions options) =>
        options.Cluster == "redis"
            ? ConfigurationOptions.Parse(options.Redis ?? throw new ArgumentException("--cluster redis needs --redis host:port"))
            : null;

    public static void AddWorkspace(IServiceCollection services, ServeOptions options, ConfigState config, IWorkPlane workPlane, ConfigurationOptions? redis)
    {
        services.AddSingleton(config);
        services.AddSingleton(workPlane);
        if (redis is null)
        {
            services.AddSingleton<IGembaEvents, EventHub>();
        }
        else
        {
            // Other processes' events reach this one's live views through Redis; started before the silo
            // (or client) so nothing published once grains run is missed.
            services.AddSingleton(sp => new RedisEventRelay(redis, options.ServiceId, sp.GetRequiredService<ILogger<RedisEventRelay>>()));
            services.AddSingleton<IGembaEvents>(sp => sp.GetRequiredService<RedisEventRelay>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisEventRelay>());
        }
        AddOrchestration(services, options, config);
        services.AddSingleton<IPoolConfigStore, PoolConfigFiles>();
        services.AddGembaGrains(d =>
        {
            d.Tick = options.Tick;
            d.NativeScopes = config.Mode == ScopeMode.Native;
            d.RigPrefixes = options.RigPrefixes;
        });
        services.AddGembaApi(new GembaServerInfo(
            Guid.NewGuid().ToString("N"), GembaSiloHost.Version, workPlane.Info, options.Orchestration, Path.GetFullPath(options.PoolConfig)));
    }

    public static WebApplication Finish(WebApplicationBuilder builder, ServeOptions options)
    {
        var app = builder.Build();
        app.UseGembaApi(options.Token);
        app.MapGembaApi();
        app.MapGembaTelemetry(options);
        return app;
    }

    private static void AddOrchestration(IServiceCollection services, ServeOptions options, ConfigState config)
    {
        switch (options.Orchestration)
        {
            case MockOrchestrationPlane.Id:
                services.AddSingleton<IOrchestrationPlane, MockOrchestrationPlane>();
                services.AddSingleton<IOrchestrationEditor>(new LocalEditor(MockOrchestrationPlane.Id, AgentTypes(config)));
                break;
            case TmuxOrchestrationPlane.Id:
                var tmux = new TmuxPlaneOptions(
                    GembaUrl: $"http://{AgentReachableHost(options.Listen)}:{options.Port}",
                    WorkingDirectory: Directory.GetCurrentDirectory(),
                    SocketName: options.TmuxSocket,
                    ExtraPath: Environment.GetEnvironmentVariable("GEMBA_HOME"),
                    BaseBranch: options.BaseBranch,
                    Token: options.Token);
                services.AddSingleton(tmux);
                // Agents and personas are read at call time, so an adopted reload applies to the next spawn or
                // delivery. The readiness wait polls a real tmux under a real-time deadline: a grain clock
                // (a FakeTimeProvider in tests) would never move tmux along, so the system clock is used.
                services.AddSingleton<IOrchestrationPlane>(sp => new TmuxOrchestrationPlane(
                    tmux, () => config.Current.Agents, () => config.Current.Personas,
                    sp.GetRequiredService<ILogger<TmuxOrchestrationPlane>>(), TimeProvider.System));
                services.AddSingleton<IOrchestrationEditor>(new LocalEditor(TmuxOrchestrationPlane.Id, AgentTypes(config)));
                break;
            case GasTownOrchestrationPlane.Id:
                services.AddSingleton(new GtClientOptions());
                services.AddSingleton<GtClient>();
                services.AddSingleton<GasTownOrchestrationPlane>();
                services.AddSingleton<IOrchestrationPlane>(sp => sp.GetRequiredService<GasTownOrchestrationPlane>());
                services.AddSingleton<IOrchestrationEditor>(sp => new GasTownEditor(
                    sp.GetRequiredService<GtClient>(), sp.GetRequiredService<GasTownOrchestrationPlane>(), AgentTypes(config)));
                break;
            default:
                throw new ArgumentException($"--orchestration {options.Orchestration} is unknown (native, gastown, mock)");
        }
    }

    /// <summary>The agent types in force, read when asked: agents.toml hot-reloads.</summary>
    private static Func<IReadOnlyList<string>> AgentTypes(ConfigState config) =>
        () => [.. config.Current.Agents.Agents.Select(a => a.Name)];

    /// <summary>Agents on this host reach a wildcard bind through loopback; IPv6 hosts go in brackets.</summary>
    private static string AgentReachableHost(string listen) =>
        listen is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : listen.Contains(':') ? $"[{listen}]" : listen;
}
