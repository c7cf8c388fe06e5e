using System.Reflection;
using Gemba.Api;
using Gemba.Config;
using Gemba.Events;
using Gemba.Grains;
using Gemba.Orchestration;
using Gemba.Silo.Events;
using Gemba.Silo.Orchestration;
using Gemba.Silo.Orchestration.GasTown;
using Gemba.Silo.Orchestration.Native;
using Gemba.Silo.Storage;
using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gemba.Silo.Hosting;

/// <summary>Builds the one process of <c>gemba serve</c>: an Orleans silo co-hosting the HTTP API.</summary>
public static class GembaSiloHost
{
    public static string Version =>
        typeof(GembaSiloHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";

    public static WebApplication Build(ServeOptions options, ConfigState config, IWorkPlane workPlane, Action<IServiceCollection>? configure = null)
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
            ApplicationName = typeof(GembaSiloHost).Assembly.GetName().Name,
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

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(workPlane);
        var redis = options.Cluster == "redis"
            ? ConfigurationOptions.Parse(options.Redis ?? throw new ArgumentException("--cluster redis needs --redis host:port"))
            : null;
        if (redis is null)
        {
            services.AddSingleton<IGembaEvents, EventHub>();
        }
        else
        {
            // Other silos' events reach this one's live views through Redis; started before the silo so
            // nothing published once grains run is missed.
            services.AddSingleton(sp => new RedisEventRelay(redis, options.ServiceId, sp.GetRequiredService<ILogger<RedisEventRelay>>()));
            services.AddSingleton<IGembaEvents>(sp => sp.GetRequiredService<RedisEventRelay>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisEventRelay>());
        }
        services.AddSingleton<ISessionSignals, GrainSessionSignals>();
        services.AddSingleton(sp => new Lazy<ISessionSignals>(sp.GetRequiredService<ISessionSignals>));
        services.AddSingleton(new MockPlaneOptions(options.MockDuration));
        AddOrchestration(services, options, config);
        services.AddSingleton<IPoolConfigStore, PoolConfigFiles>();
        services.AddGembaGrains(d =>
        {
            d.Tick = options.Tick;
            d.NativeScopes = config.Mode == ScopeMode.Native;
            d.RigPrefixes = options.RigPrefixes;
        });
        services.AddGembaApi(new GembaServerInfo(
            Guid.NewGuid().ToString("N"), Version, workPlane.Info, options.Orchestration, Path.GetFullPath(options.PoolConfig)));
        configure?.Invoke(services);

        builder.UseOrleans(silo =>
        {
            // One state format for SQLite and Redis: plain JSON without CLR type names.
            silo.UseGembaStateFormat();
            silo.AddGembaTelemetry(options, Version);
            // The watchdog's spurious start-up warning came from the machine's uptime (see SiloRelativeClock).
            silo.Services.AddKeyedSingleton<TimeProvider>(Orleans.Runtime.TimeProviderNames.Membership, (_, _) => new SiloRelativeClock());
            // A native spawn creates a git worktree and waits for the agent's pane to be ready: on a large
            // repository that outlasts Orleans' default 30 s answer time of the dispatch → pool → session chain.
            silo.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(3));
            silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ServiceId = options.ServiceId;
                o.ClusterId = options.ClusterId;
            });
            if (redis is not null)
            {
                silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(ClusterMembershipTuning.Apply);
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                silo.AddRedisGrainStorage(GembaStorage.Name, o => o.ConfigurationOptions = redis);
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
                // In a pod, Orleans' Kubernetes hosting watches the pods of this service (and removes dead
                // silos' pods); silos talk over the pod IP instead of loopback.
                if (KubernetesPod.FromEnvironment() is { } pod)
                {
                    silo.UseKubernetesHosting();
                    silo.ConfigureEndpoints(pod.Ip,
                        options.SiloPort > 0 ? options.SiloPort : KubernetesPod.SiloPort,
                        options.GatewayPort > 0 ? options.GatewayPort : KubernetesPod.GatewayPort);
                }
                else
                {
                    silo.ConfigureEndpoints(System.Net.IPAddress.Loopback,
                        options.SiloPort > 0 ? options.SiloPort : FreePort.Pick(),
                        options.GatewayPort > 0 ? options.GatewayPort : FreePort.Pick());
                }
            }
            else
            {
                Directory.CreateDirectory(options.StateDir);
                silo.UseLocalhostClustering(
                    options.SiloPort > 0 ? options.SiloPort : FreePort.Pick(),
                    options.GatewayPort > 0 ? options.GatewayPort : FreePort.Pick());
                silo.AddSqliteGrainStorage(GembaStorage.Name, Path.Combine(options.StateDir, "gemba.db"));
                silo.UseInMemoryReminderService();
            }
        });

        // Registered after UseOrleans so it starts once the silo is up.
        services.AddHostedService<GembaBootstrapper>();
        if (redis is not null) services.AddHostedService<MembershipWatcher>();

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
