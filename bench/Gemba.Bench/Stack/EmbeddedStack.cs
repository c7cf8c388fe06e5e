using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Pools;
using Gemba.Silo.Hosting;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Gemba.Bench.Stack;

/// <summary>
/// The real embedded server, built exactly as <c>gemba serve --orchestration mock --work-plane jsonl</c>
/// builds it (GembaSiloHost.Build: Orleans co-hosting the API, SQLite grain storage, localhost
/// clustering, mock plane with duration 0, JSONL work plane, EventHub), on a free HTTP port.
/// </summary>
internal sealed class EmbeddedStack : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IWorkPlane _workPlane;

    private EmbeddedStack(Workspace workspace, WebApplication app, IWorkPlane workPlane, int port, IReadOnlyList<string> personas)
    {
        Workspace = workspace;
        _app = app;
        _workPlane = workPlane;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        Personas = personas;
    }

    public Workspace Workspace { get; }
    public Uri BaseUrl { get; }
    public IReadOnlyList<string> Personas { get; }
    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();
    public IGembaEvents Events => _app.Services.GetRequiredService<IGembaEvents>();
    public IWorkPlane WorkPlane => _workPlane;
    public IDispatcherGrain Dispatcher => Grains.GetGrain<IDispatcherGrain>(PoolKey.LocalScope);
    public string DatabasePath => Path.Combine(Workspace.StateDir, "gemba.db");

    /// <param name="wrapPlane">Only for what-if rows: wraps the real JSONL plane the silo is given.</param>
    /// <param name="responseTimeout">Orleans' call timeout (default 30 s); a measure of a slow call raises it rather than fail.</param>
    public static async Task<EmbeddedStack> StartAsync(IReadOnlyList<string> personas, int poolSize, IEnumerable<string> beadLines, TimeSpan? responseTimeout = null, int maxConcurrent = 0,
        Func<IWorkPlane, IWorkPlane>? wrapPlane = null)
    {
        var workspace = Workspace.Create(personas, poolSize, beadLines, maxConcurrent);
        var port = FreePort.Pick();
        var options = new ServeOptions
        {
            BeadsDir = workspace.BeadsDir,
            Orchestration = "mock",
            WorkPlane = "jsonl",
            PoolConfig = workspace.PoolToml,
            AgentsRegistry = workspace.AgentsToml,
            PersonasDir = workspace.PersonasDir,
            StateDir = workspace.StateDir,
            Port = port,
            // The backstop tick must not fire mid-measurement: every cycle here is event-driven.
            Tick = TimeSpan.FromHours(1),
            Quiet = true,
            MockDuration = TimeSpan.Zero,
        };
        var config = ConfigSet.Load(options.PoolConfig, options.AgentsRegistry, options.PersonasDir, ScopeMode.Native, version: 1);
        if (config.HasErrors)
            throw new InvalidOperationException("benchmark workspace config is invalid: " + string.Join("; ", config.Findings));

        var workPlane = WorkPlaneFactory.Create("jsonl", workspace.BeadsDir, TimeProvider.System, NullLoggerFactory.Instance);
        if (wrapPlane is not null) workPlane = wrapPlane(workPlane);
        var app = GembaSiloHost.Build(options, new ConfigState(options, config), workPlane, services =>
        {
            // Stopping a silo with work in flight logs pages of expected errors (one-way pokes to a
            // stopping silo, migration with no other silo); the table is the output here.
            services.Configure<LoggerFilterOptions>(o =>
            {
                foreach (var category in new[] { "Orleans", "Polly", "Microsoft" })
                    o.Rules.Add(new LoggerFilterRule(null, category, LogLevel.Critical, null));
            });
            if (responseTimeout is { } timeout) services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
        });
        await app.StartAsync();
        var stack = new EmbeddedStack(workspace, app, workPlane, port, personas);
        return stack;
    }

    /// <summary>Brings every pool to <paramref name="members"/> idle members, so measures start warm.</summary>
    public async Task SeedAsync(int members)
    {
        await Task.WhenAll(Personas.Select(p => Grains.GetGrain<IPoolGrain>(new PoolKey(PoolKey.LocalScope, p).ToString()).Seed(members)));
        await WaitIdleAsync(members, TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until every pool reports <paramref name="members"/> members, all idle.</summary>
    public async Task WaitIdleAsync(int members, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var views = await Task.WhenAll(Personas.Select(p => Grains.GetGrain<IPoolGrain>(new PoolKey(PoolKey.LocalScope, p).ToString()).GetView()));
            if (views.All(v => v.Members.Count >= members && v.Members.All(m => m.IsIdle && m.CurrentBead is null))) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("pools did not settle idle");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            try { await _app.StopAsync(stop.Token); }
            catch (OperationCanceledException) { /* shutting down a loaded silo may outlast us; the process moves on */ }
        }
        await _app.DisposeAsync();
        (_workPlane as IDisposable)?.Dispose();
        Workspace.Dispose();
    }
}
