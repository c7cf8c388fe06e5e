using Gemba.Pools;

namespace Gemba.Config;

/// <summary>
/// One pool after the cascade over <c>[pool]</c> defaults and the MaxParallel clamp.
/// Zero values of the raw file never reach this record: every field holds the value in force.
/// </summary>
/// <param name="MinIntervalSeconds">Per-member rate limit between dispatches; 0 = none.</param>
/// <param name="MaxConcurrent">Cap on members working at once; 0 = the effective size.</param>
/// <param name="RecycleAfterBeads">Recycle a member after this many beads; negative = never.</param>
/// <param name="IdleCeilingMinutes">Reap a member idle this long; negative = never.</param>
/// <param name="StallTimeoutMinutes">Escalate a member working this long without any signal from its agent; negative = never.</param>
[GenerateSerializer, Immutable, Alias("gemba.ResolvedPool")]
public sealed record ResolvedPool(
    string Scope,
    string Persona,
    string AgentType,
    int SizeDeclared,
    int SizeEffective,
    double Floor,
    int RecycleAfterBeads,
    int IdleCeilingMinutes,
    int MinIntervalSeconds,
    int MaxConcurrent,
    bool ClampActivated,
    int StallTimeoutMinutes = PoolConfigResolver.DefaultStallTimeoutMinutes)
{
    public PoolKey Key => new(Scope, Persona);

    /// <summary>Codex sessions run one bead and exit: never reused, always cold-started.</summary>
    public bool OneShot => string.Equals(AgentType, "codex", StringComparison.Ordinal);

    /// <summary>How many members may work at once.</summary>
    public int ConcurrencyCap => MaxConcurrent > 0 ? Math.Min(MaxConcurrent, SizeEffective) : SizeEffective;
}

/// <summary>The routing cascade's two config layers: <c>[pool.routing]</c> and <c>default_persona</c>.</summary>
[GenerateSerializer, Immutable, Alias("gemba.RoutingTable")]
public sealed record RoutingTable(IReadOnlyDictionary<string, string> ByKind, string? DefaultPersona)
{
    public static readonly RoutingTable Empty = new(new Dictionary<string, string>(), null);
}

/// <summary>Everything the dispatch side needs from the configuration files.</summary>
[GenerateSerializer, Immutable, Alias("gemba.ResolvedConfig")]
public sealed record ResolvedConfig(
    IReadOnlyList<ResolvedPool> Pools,
    RoutingTable Routing,
    int MaxParallel,
    int ReservedForManual,
    long Version)
{
    public static readonly ResolvedConfig Empty = new([], RoutingTable.Empty, 0, 1, 0);

    /// <summary>Phase 0: no pools means no dispatcher work at all.</summary>
    public bool IsPhaseZero => Pools.Count == 0;

    public IEnumerable<string> Scopes => Pools.Select(p => p.Scope).Distinct(StringComparer.Ordinal);
}
