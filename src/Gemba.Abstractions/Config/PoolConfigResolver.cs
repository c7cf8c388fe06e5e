using Gemba.Pools;

namespace Gemba.Config;

/// <summary>
/// The cascade and clamp of original §1.4: turns the raw file into the values in force.
/// </summary>
/// <remarks>
/// Deliberate differences from the original:
/// a pool clamped to zero is kept (effective size 0) with a warning instead of vanishing silently;
/// <c>floor = 0.0</c> is honoured rather than read as "unset";
/// <c>min_interval_per_session_seconds</c> defaults to 0 (no rate limit) instead of the gate's
/// 5 minutes, because warm reuse of a pool member must not be throttled between beads;
/// <c>max_concurrent</c> defaults to 0, meaning the effective size.
/// </remarks>
public static class PoolConfigResolver
{
    public const int DefaultReservedForManual = 1;
    public const double DefaultFloor = 0.5;
    public const int DefaultRecycleAfterBeads = 5;
    public const int DefaultIdleCeilingMinutes = 30;
    public const int DefaultStallTimeoutMinutes = 60;
    public const string DefaultAgentType = "claude";

    /// <param name="maxParallel">Host pane cap from agents.toml; 0 = no clamp.</param>
    /// <param name="path">File named by findings; without a document they carry no position.</param>
    public static ResolveResult Resolve(PoolConfig config, int maxParallel, ScopeMode mode, string path, long version = 0) =>
        Resolve(config, maxParallel, mode, version, (p, severity, message) => new ConfigFinding(path, 0, 0, severity, message), _ => 0);

    /// <summary>Same, with findings positioned at the document's tables and values.</summary>
    public static ResolveResult Resolve(PoolConfigDocument document, int maxParallel, ScopeMode mode, long version = 0) =>
        Resolve(document.Config, maxParallel, mode, version, (p, severity, message) => document.At(p, severity, message, atValue: true), document.OrderOf);

    private static ResolveResult Resolve(
        PoolConfig config, int maxParallel, ScopeMode mode, long version,
        Func<string[], FindingSeverity, string, ConfigFinding> at, Func<string[], int> order)
    {
        var findings = new List<ConfigFinding>();
        var reserved = config.ReservedForManual ?? DefaultReservedForManual;
        var cap = maxParallel > 0 ? Math.Max(0, maxParallel - reserved) : -1;
        var pools = new Dictionary<PoolKey, ResolvedPool>();
        var declaredKeys = new HashSet<PoolKey>();
        var legacy = new List<string[]>();

        // In native mode an explicit [pool.local.*] wins over a legacy rig spelling of the same persona.
        var scopes = config.Pools.Keys
            .OrderBy(s => mode == ScopeMode.Native && s == PoolKey.LocalScope ? 0 : 1)
            .ThenBy(s => s, StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            foreach (var (persona, entry) in config.Pools[scope].OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                string[] entryPath = [PoolConfigReader.Pool, scope, persona];
                var effectiveScope = scope;
                if (mode == ScopeMode.Native && scope != PoolKey.LocalScope)
                {
                    legacy.Add(entryPath);
                    effectiveScope = PoolKey.LocalScope;
                }

                var key = new PoolKey(effectiveScope, persona);
                if (!declaredKeys.Add(key))
                {
                    findings.Add(at(entryPath, FindingSeverity.Error,
                        $"duplicate pool {key}: [{TomlText.Dotted(entryPath)}] is read as [pool.local.{TomlText.Key(persona)}] on a native install, which is already declared; this one is ignored"));
                    continue;
                }

                var declared = entry.Size is null or 0 ? config.DefaultSize ?? 0 : entry.Size.Value;
                if (declared <= 0)
                    continue;

                var effective = declared;
                var clamped = cap >= 0 && declared > cap;
                if (clamped)
                {
                    effective = cap;
                    var consequence = effective == 0 ? " (the pool is kept but will not dispatch)" : "";
                    findings.Add(at([.. entryPath, "size"], FindingSeverity.Warning,
                        $"pool {key}: size clamped from {declared} to {effective} by max_parallel={maxParallel} - reserved_for_manual={reserved}{consequence}; raise max_parallel in agents.toml or lower size"));
                }

                pools[key] = new ResolvedPool(
                    Scope: effectiveScope,
                    Persona: persona,
                    AgentType: string.IsNullOrEmpty(entry.AgentType) ? DefaultAgentType : entry.AgentType,
                    SizeDeclared: declared,
                    SizeEffective: effective,
                    Floor: entry.Floor ?? config.DefaultFloor ?? DefaultFloor,
                    RecycleAfterBeads: entry.RecycleAfterBeads is null or 0 ? DefaultRecycleAfterBeads : entry.RecycleAfterBeads.Value,
                    IdleCeilingMinutes: entry.IdleCeilingMinutes is null or 0 ? DefaultIdleCeilingMinutes : entry.IdleCeilingMinutes.Value,
                    MinIntervalSeconds: Math.Max(0, entry.MinIntervalPerSessionSeconds ?? 0),
                    MaxConcurrent: Math.Max(0, entry.MaxConcurrent ?? 0),
                    ClampActivated: clamped,
                    StallTimeoutMinutes: entry.StallTimeoutMinutes is null or 0 ? DefaultStallTimeoutMinutes : entry.StallTimeoutMinutes.Value);
            }
        }

        if (legacy.Count > 0)
        {
            var first = legacy.MinBy(order)!;
            findings.Insert(0, at(first, FindingSeverity.Warning,
                $"config: pool keys: 'rig' is now 'scope'; [pool.{TomlText.Key(first[1])}.{TomlText.Key(first[2])}] is read as [pool.local.{TomlText.Key(first[2])}] on a native install - please rename"));
        }

        var routing = new RoutingTable(
            config.Routing.Where(r => !string.IsNullOrEmpty(r.Value)).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal),
            string.IsNullOrEmpty(config.DefaultPersona) ? null : config.DefaultPersona);

        var resolved = new ResolvedConfig(
            [.. pools.Values.OrderBy(p => p.Scope, StringComparer.Ordinal).ThenBy(p => p.Persona, StringComparer.Ordinal)],
            routing, maxParallel, reserved, version);
        return new ResolveResult(resolved, findings);
    }
}
