namespace Gemba.Silo.Hosting;

/// <summary>Everything <c>gemba serve</c> is told on its command line.</summary>
public sealed record ServeOptions
{
    public string BeadsDir { get; init; } = ".beads";
    public string Orchestration { get; init; } = "native";
    public string PoolConfig { get; init; } = Path.Combine(".gemba", "pool.toml");
    public string AgentsRegistry { get; init; } = Path.Combine(".gemba", "agents.toml");
    public string PersonasDir { get; init; } = Path.Combine(".gemba", "personas");
    public string WorkPlane { get; init; } = "auto";
    public string Listen { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 7666;
    public string StateDir { get; init; } = Path.Combine(".gemba", "state");
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(10);
    public bool Quiet { get; init; }
    /// <summary><c>embedded</c> (one process, SQLite) or <c>redis</c> (a cluster of silos).</summary>
    public string Cluster { get; init; } = "embedded";
    public string? Redis { get; init; }
    public int SiloPort { get; init; }
    public int GatewayPort { get; init; }
    /// <summary>Orleans ClusterId: silos with the same one form one cluster (a deployment; may change on redeploy).</summary>
    public string ClusterId { get; init; } = "gemba";
    /// <summary>Orleans ServiceId: the durable name under which state, reminders and the event channel live in Redis.</summary>
    public string ServiceId { get; init; } = "gemba";
    public string? Token { get; init; }
    /// <summary><c>gemba gateway</c>: the API and the web UI as an Orleans client of a redis cluster, hosting no grains.</summary>
    public bool Gateway { get; init; }
    /// <summary>The tmux server (<c>tmux -L</c>) the native plane opens agent panes in.</summary>
    public string TmuxSocket { get; init; } = "gemba";
    /// <summary>
    /// Native plane: what bead branches start from; null: the branch the server's checkout is on at
    /// start (detached: its commit). <c>gemba serve</c> resolves it before the banner.
    /// </summary>
    public string? BaseBranch { get; init; }

    /// <summary>Native: the banner's line about where members work, found when the server starts.</summary>
    public string? NativeWorkspace { get; init; }
    /// <summary>How long a mock bead takes when its frontmatter does not say.</summary>
    public TimeSpan MockDuration { get; init; } = TimeSpan.Zero;

    /// <summary>Mock plane: scopes are rigs as on Gas Town (a cluster's dispatchers can be tried with several scopes).</summary>
    public bool MockRigs { get; init; }

    /// <summary>How pool.toml scopes and beads' scopes are read: rigs on Gas Town (or mock rigs), else the one local scope.</summary>
    public Gemba.Config.ScopeMode ScopeMode => Orchestration == "gastown" || MockRigs ? Gemba.Config.ScopeMode.GasTown : Gemba.Config.ScopeMode.Native;

    /// <summary>Telemetry: print spans and metrics to the console.</summary>
    public bool OtelConsole { get; init; }
    /// <summary>Telemetry: an OTLP collector to send spans and metrics to (also from OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public string? OtlpEndpoint { get; init; }
    /// <summary>Telemetry: a Prometheus scrape endpoint at <c>/metrics</c>.</summary>
    public bool Prometheus { get; init; }
    /// <summary>The Orleans dashboard at <c>/admin/dashboard</c>.</summary>
    public bool Dashboard { get; init; }
    /// <summary>More telemetry wiring (in-memory exporters of tests, an embedding host); turns tracing on.</summary>
    public Action<OpenTelemetry.OpenTelemetryBuilder>? Telemetry { get; init; }

    /// <summary>Gas Town: beads id prefix → rig, read from <c>gt rig list</c> at start-up.</summary>
    public IReadOnlyDictionary<string, string> RigPrefixes { get; init; } = new Dictionary<string, string>();

    public static readonly IReadOnlyList<string> OrchestrationKinds = ["native", "gastown", "mock"];
    public static readonly IReadOnlyList<string> WorkPlaneKinds = ["auto", "bd", "jsonl"];
}
