using Gemba.Config;
using Gemba.Silo.Hosting;
using Gemba.Silo.WorkPlanes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Functional.Tests;

/// <summary>A real embedded gemba server (silo + API, SQLite, mock plane, JSONL) in this process.</summary>
public sealed class ApiHost : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private WebApplication? _app;
    private JsonlWorkPlane? _workPlane;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The server's services, e.g. its <c>EndpointDataSource</c> to compare with the OpenAPI document.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the server has not started");

    public string BeadsFile => Path.Combine(_dir.Path, ".beads", "issues.jsonl");

    public async Task InitializeAsync()
    {
        _dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\n");
        _dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        _dir.File(".beads/issues.jsonl", "");
        var port = GembaProcess.FreePort();
        var options = new ServeOptions
        {
            BeadsDir = Path.Combine(_dir.Path, ".beads"),
            Orchestration = "mock",
            WorkPlane = "jsonl",
            PoolConfig = Path.Combine(_dir.Path, ".gemba", "pool.toml"),
            AgentsRegistry = Path.Combine(_dir.Path, ".gemba", "agents.toml"),
            PersonasDir = Path.Combine(_dir.Path, ".gemba", "personas"),
            StateDir = Path.Combine(_dir.Path, ".gemba", "state"),
            Port = port,
            Quiet = true,
        };
        var config = ConfigSet.Load(options.PoolConfig, options.AgentsRegistry, options.PersonasDir, ScopeMode.Native, 1);
        Assert.False(config.HasErrors, string.Join("\n", config.Findings));
        _workPlane = new JsonlWorkPlane(options.BeadsDir, TimeProvider.System, NullLogger.Instance);
        _app = GembaSiloHost.Build(options, new ConfigState(options, config), _workPlane);
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _workPlane?.Dispose();
        _dir.Dispose();
    }
}
