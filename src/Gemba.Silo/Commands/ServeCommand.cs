using System.CommandLine;
using Gemba.Config;
using Gemba.Silo.Hosting;
using Gemba.Silo.Orchestration;
using Gemba.Silo.Orchestration.GasTown;
using Gemba.Silo.Orchestration.Native;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Commands;

internal static class ServeCommand
{
    private static readonly Option<string> BeadsDir = new("--beads-dir") { Description = "The beads directory (holds issues.jsonl or a bd database)", DefaultValueFactory = _ => ".beads" };
    private static readonly Option<string> Orchestration = new Option<string>("--orchestration") { Description = "Where agents run", DefaultValueFactory = _ => "native" }.AcceptOnlyFromAmong([.. ServeOptions.OrchestrationKinds]);
    private static readonly Option<string> PoolConfig = new("--pool-config") { Description = "pool.toml (missing = phase 0: no pools)", DefaultValueFactory = _ => Path.Combine(".gemba", "pool.toml") };
    private static readonly Option<string> AgentsRegistry = new("--agents-registry") { Description = "agents.toml", DefaultValueFactory = _ => Path.Combine(".gemba", "agents.toml") };
    private static readonly Option<string> PersonasDir = new("--personas-dir") { Description = "Directory of persona *.toml files", DefaultValueFactory = _ => Path.Combine(".gemba", "personas") };
    private static readonly Option<string> WorkPlane = new Option<string>("--work-plane") { Description = "Where beads live", DefaultValueFactory = _ => "auto" }.AcceptOnlyFromAmong([.. ServeOptions.WorkPlaneKinds]);
    private static readonly Option<string> Listen = new("--listen") { Description = "HTTP bind address; beyond loopback needs --token", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> Port = new("--port") { Description = "HTTP port", DefaultValueFactory = _ => 7666 };
    private static readonly Option<string> StateDir = new("--state-dir") { Description = "Embedded state (SQLite) directory", DefaultValueFactory = _ => Path.Combine(".gemba", "state") };
    private static readonly Option<double> Tick = new("--tick") { Description = "Backstop dispatch period in seconds", DefaultValueFactory = _ => 10 };
    private static readonly Option<bool> Quiet = new("--quiet") { Description = "No banner, warnings only" };
    private static readonly Option<string> Cluster = new Option<string>("--cluster") { Description = "embedded (one process, SQLite) or redis", DefaultValueFactory = _ => "embedded" }.AcceptOnlyFromAmong("embedded", "redis");
    private static readonly Option<string?> Redis = new("--redis") { Description = "Redis host:port for --cluster redis" };
    private static readonly Option<int> SiloPort = new("--silo-port") { Description = "Silo-to-silo port (default: a free one)" };
    private static readonly Option<int> GatewayPort = new("--gateway-port") { Description = "Orleans client gateway port (default: a free one)" };
    private static readonly Option<string> ClusterId = new("--cluster-id") { Description = "Orleans cluster id: silos with the same one form one cluster", DefaultValueFactory = _ => "gemba" };
    private static readonly Option<string> ServiceId = new("--service-id") { Description = "Orleans service id: the name state, reminders and live events are kept under in Redis", DefaultValueFactory = _ => "gemba" };
    private static readonly Option<string?> Token = new("--token") { Description = "Bearer token required on every API call (mandatory off loopback)" };
    private static readonly Option<string> TmuxSocket = new("--tmux-socket") { Description = "Native plane: the tmux server (tmux -L) agent panes open in", DefaultValueFactory = _ => "gemba" };
    private static readonly Option<string?> BaseBranch = new("--base-branch") { Description = "Native plane: the branch (or commit) bead branches start from (default: the branch checked out at start)" };
    private static readonly Option<bool> OtelConsole = new("--otel-console") { Description = "Telemetry: print OpenTelemetry spans and metrics to the console" };
    private static readonly Option<string?> OtlpEndpoint = new("--otlp-endpoint") { Description = "Telemetry: send spans and metrics to this OTLP collector (default: OTEL_EXPORTER_OTLP_ENDPOINT when set)" };
    private static readonly Option<bool> Prometheus = new("--prometheus") { Description = "Telemetry: serve a Prometheus scrape endpoint at /metrics (behind --token when set)" };
    private static readonly Option<bool> Dashboard = new("--dashboard") { Description = "Serve the Orleans dashboard at /admin/dashboard (behind --token when set)" };
    private static readonly Option<bool> MockRigs = new("--mock-rigs") { Description = "Mock plane: pool.toml scopes are rigs, as on Gas Town; a bead goes to the rig of its rig:<name> label" };
    private static readonly Option<int> MockDurationMs = new("--mock-duration-ms") { Description = "Mock plane: work time of a bead without duration_ms frontmatter", DefaultValueFactory = _ => 0 };

    public static Command Create()
    {
        var command = new Command("serve", "Run the dispatch server: an Orleans silo co-hosting the API")
        {
            BeadsDir, Orchestration, PoolConfig, AgentsRegistry, PersonasDir, WorkPlane, Listen, Port, StateDir, Tick, Quiet,
            Cluster, Redis, SiloPort, GatewayPort, ClusterId, ServiceId, Token, TmuxSocket, BaseBranch, MockDurationMs, MockRigs,
            OtelConsole, OtlpEndpoint, Prometheus, Dashboard,
        };
        command.SetAction((parse, cancel) => RunAsync(Read(parse), cancel));
        return command;
    }

    private static readonly Option<int> GatewayHttpPort = new("--port") { Description = "HTTP port (the silos of deploy/cluster.sh take 7666 and up)", DefaultValueFactory = _ => 7660 };
    private static readonly Option<string> GatewayRedis = new("--redis") { Description = "Redis host:port of the cluster's silos", Required = true };

    /// <summary><c>gemba gateway</c>: the API and web UI as an Orleans client, in the silos' workspace (the same files).</summary>
    public static Command CreateGateway()
    {
        var command = new Command("gateway", "Serve the API and the web UI as an Orleans client of a redis cluster of gemba serve silos (hosts no grains)")
        {
            BeadsDir, Orchestration, PoolConfig, AgentsRegistry, PersonasDir, WorkPlane, Listen, GatewayHttpPort, Quiet,
            GatewayRedis, ClusterId, ServiceId, Token, OtelConsole, OtlpEndpoint, Prometheus,
        };
        command.SetAction((p, cancel) => RunAsync(Workspace(p) with
        {
            Gateway = true,
            Cluster = "redis",
            Port = p.GetValue(GatewayHttpPort),
            Redis = p.GetValue(GatewayRedis),
        }, cancel));
        return command;
    }

    private static ServeOptions Read(ParseResult p) => Workspace(p) with
    {
        Port = p.GetValue(Port),
        StateDir = p.GetValue(StateDir)!,
        Tick = TimeSpan.FromSeconds(Math.Max(0.05, p.GetValue(Tick))),
        Cluster = p.GetValue(Cluster)!,
        Redis = p.GetValue(Redis),
        SiloPort = p.GetValue(SiloPort),
        GatewayPort = p.GetValue(GatewayPort),
        TmuxSocket = p.GetValue(TmuxSocket)!,
        BaseBranch = p.GetValue(BaseBranch),
        MockDuration = TimeSpan.FromMilliseconds(Math.Max(0, p.GetValue(MockDurationMs))),
        MockRigs = p.GetValue(MockRigs),
        Dashboard = p.GetValue(Dashboard),
    };

    /// <summary>The options serve and gateway share: the workspace, the HTTP side, the cluster's names, telemetry.</summary>
    private static ServeOptions Workspace(ParseResult p) => new()
    {
        BeadsDir = p.GetValue(BeadsDir)!,
        Orchestration = p.GetValue(Orchestration)!,
        PoolConfig = p.GetValue(PoolConfig)!,
        AgentsRegistry = p.GetValue(AgentsRegistry)!,
        PersonasDir = p.GetValue(PersonasDir)!,
        WorkPlane = p.GetValue(WorkPlane)!,
        Listen = p.GetValue(Listen)!,
        Quiet = p.GetValue(Quiet),
        ClusterId = p.GetValue(ClusterId)!,
        ServiceId = p.GetValue(ServiceId)!,
        Token = p.GetValue(Token),
        OtelConsole = p.GetValue(OtelConsole),
        OtlpEndpoint = NullIfEmpty(p.GetValue(OtlpEndpoint)) ?? NullIfEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")),
        Prometheus = p.GetValue(Prometheus),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static async Task<int> RunAsync(ServeOptions options, CancellationToken cancel)
    {
        if (!IsLoopback(options.Listen) && string.IsNullOrEmpty(options.Token))
        {
            await Console.Error.WriteLineAsync($"gemba: --listen {options.Listen} is not loopback; pass --token to require a bearer token");
            return 2;
        }
        foreach (var problem in new[] { ClusterNames.Problem("--cluster-id", options.ClusterId), ClusterNames.Problem("--service-id", options.ServiceId) })
        {
            if (problem is null) continue;
            await Console.Error.WriteLineAsync($"gemba: {problem}");
            return 2;
        }
        if (options.Cluster == "redis" && string.IsNullOrWhiteSpace(options.Redis))
        {
            await Console.Error.WriteLineAsync("gemba: --cluster redis needs --redis host:port");
            return 2;
        }
        if (options.OtlpEndpoint is { } otlp && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
        {
            await Console.Error.WriteLineAsync($"gemba: --otlp-endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) '{otlp}' is not an absolute URL, e.g. http://127.0.0.1:4317");
            return 2;
        }
        if (options.MockRigs && options.Orchestration != MockOrchestrationPlane.Id)
        {
            await Console.Error.WriteLineAsync($"gemba: --mock-rigs is for --orchestration mock, not {options.Orchestration}");
            return 2;
        }
        var mode = options.ScopeMode;
        var config = ConfigSet.Load(options.PoolConfig, options.AgentsRegistry, options.PersonasDir, mode, version: 1,
            checkAgentBinaries: options.Orchestration == TmuxOrchestrationPlane.Id);
        foreach (var finding in config.Findings) await Console.Error.WriteLineAsync(finding.ToString());
        if (config.HasErrors)
        {
            await Console.Error.WriteLineAsync($"gemba: refusing to start: {config.Findings.Count(f => f.Severity == FindingSeverity.Error)} error(s) in the configuration");
            return 1;
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        // A gateway starts no agent and routes no bead: what the probes find is the silos' business.
        if (options.Orchestration == GasTownOrchestrationPlane.Id && !options.Gateway)
        {
            var probed = await ProbeGasTownAsync(options, loggers, cancel);
            if (probed is null) return 1;
            options = probed;
        }
        if (options.Orchestration == TmuxOrchestrationPlane.Id && !options.Gateway)
        {
            var native = await ProbeNativeAsync(options, loggers, cancel);
            if (native is null) return 1;
            options = native;
        }
        IWorkPlane workPlane;
        try
        {
            workPlane = WorkPlaneFactory.Create(options.WorkPlane, options.BeadsDir, TimeProvider.System, loggers);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"gemba: refusing to start: {ex.Message}");
            return 1;
        }
        try
        {
            if (PortCheck.FirstInUse(options) is { } taken)
            {
                await Console.Error.WriteLineAsync(taken);
                return 1;
            }
            if (!options.Quiet)
                foreach (var line in Banner.Lines(options, workPlane.Info, config, GembaSiloHost.Version)) Console.WriteLine(line);
            var state = new ConfigState(options, config);
            var app = options.Gateway ? GembaGatewayHost.Build(options, state, workPlane) : GembaSiloHost.Build(options, state, workPlane);
            await app.RunAsync(cancel);
            return 0;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Taken between the check and the bind.
            await Console.Error.WriteLineAsync(PortCheck.InUseMessage("--port", options.Listen, options.Port));
            return 1;
        }
        finally
        {
            (workPlane as IDisposable)?.Dispose();
        }
    }

    /// <summary>Gas Town must be there before we serve: probe it, say what this gt lacks, learn rig prefixes.</summary>
    private static async Task<ServeOptions?> ProbeGasTownAsync(ServeOptions options, ILoggerFactory loggers, CancellationToken cancel)
    {
        var plane = new GasTownOrchestrationPlane(new GtClient(new GtClientOptions(), loggers.CreateLogger<GtClient>()), loggers.CreateLogger<GasTownOrchestrationPlane>());
        try
        {
            var capabilities = await plane.CapabilitiesAsync(cancel);
            var prefixes = await plane.RigPrefixesAsync(cancel);
            if (!options.Quiet)
            {
                Console.WriteLine($"▶ gastown: gt {capabilities.Version}  rigs={string.Join(",", prefixes.Values.Distinct())}  handoff={(capabilities.HasHandoff ? "yes" : "no")}");
                foreach (var missing in capabilities.Missing) Console.WriteLine($"▶ gastown: missing {missing}");
            }
            return options with { RigPrefixes = prefixes };
        }
        catch (GtCommandException ex)
        {
            await Console.Error.WriteLineAsync($"gemba: --orchestration gastown: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// The native plane's workspace as it will be used: members' worktrees and the base their bead
    /// branches start from (resolved now, so "the branch checked out at start" means start), or that
    /// agents share the directory because it is not a git repository.
    /// </summary>
    private static async Task<ServeOptions?> ProbeNativeAsync(ServeOptions options, ILoggerFactory loggers, CancellationToken cancel)
    {
        var cwd = Directory.GetCurrentDirectory();
        try
        {
            var workspace = await GitWorkspace.DetectAsync(new GitCli(TmuxPlaneOptions.DefaultCommandTimeout, loggers.CreateLogger<GitCli>()), cwd, options.BaseBranch, cancel);
            var line = workspace is null
                ? $"not a git repository: agents share {cwd}"
                : $"worktrees under {workspace.WorktreesRoot}, base {workspace.Base}";
            return workspace is null ? options with { NativeWorkspace = line } : options with { BaseBranch = workspace.Base, NativeWorkspace = line };
        }
        catch (Exception ex) when (ex is InvalidOperationException or TmuxCommandException)
        {
            await Console.Error.WriteLineAsync($"gemba: {ex.Message}");
            return null;
        }
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
