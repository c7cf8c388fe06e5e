using System.Reflection;
using Gemba.Config;
using Gemba.Grains;
using Gemba.Orchestration;
using Gemba.Silo.Orchestration;
using Gemba.Silo.Storage;
using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gemba.Silo.Hosting;

/// <summary>Builds the one process of <c>gemba serve</c>: an Orleans silo co-hosting the HTTP API.</summary>
public static class GembaSiloHost
{
    public static string Version =>
        typeof(GembaSiloHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";

    public static WebApplication Build(ServeOptions options, ConfigState config, IWorkPlane workPlane, Action<IServiceCollection>? configure = null)
    {
        var builder = GembaWebHost.CreateBuilder(options);
        var services = builder.Services;
        var redis = GembaWebHost.Redis(options);
        GembaWebHost.AddWorkspace(services, options, config, workPlane, redis);
        services.AddSingleton<ISessionSignals, GrainSessionSignals>();
        services.AddSingleton(sp => new Lazy<ISessionSignals>(sp.GetRequiredService<ISessionSignals>));
        services.AddSingleton(new MockPlaneOptions(options.MockDuration));
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

        return GembaWebHost.Finish(builder, options);
    }
}
