using Gemba.Config;

namespace Gemba.Silo.Hosting;

/// <summary>
/// The three configuration files read and checked together: pool.toml against the personas and
/// agents it names. <c>gemba config check</c>, <c>gemba serve</c> and hot reload all use this.
/// </summary>
public sealed record ConfigSet(
    PoolConfigDocument Pool,
    AgentsRegistry Agents,
    PersonaCatalog Personas,
    ResolvedConfig Resolved,
    IReadOnlyList<ConfigFinding> Findings)
{
    public bool HasErrors => Findings.HasErrors();

    public static ConfigSet Load(string poolConfigPath, string agentsPath, string personasDir, ScopeMode mode, long version = 0)
    {
        var pool = PoolConfigCodec.Load(poolConfigPath);
        var agents = AgentsRegistry.Load(agentsPath);
        var personas = PersonaCatalog.Load(personasDir);
        var context = new ValidationContext(
            personas.Personas.Select(p => p.Id).ToHashSet(StringComparer.Ordinal),
            agents.Agents.Select(a => a.Name).ToHashSet(StringComparer.Ordinal),
            agents.MaxParallel,
            mode);
        var findings = agents.Findings.Concat(personas.Findings).Concat(PoolConfigValidator.Validate(pool, context))
            .Distinct()
            .OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column)
            .ToList();
        var resolved = PoolConfigResolver.Resolve(pool, agents.MaxParallel, mode, version).Config;
        return new ConfigSet(pool, agents, personas, resolved, findings);
    }
}
