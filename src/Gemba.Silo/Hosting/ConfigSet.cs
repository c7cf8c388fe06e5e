using Gemba.Config;
using Gemba.Silo.Orchestration.Native;

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

    /// <param name="checkAgentBinaries">
    /// Warn about agent binaries that are not on PATH (native scope only: on Gas Town gt starts the
    /// agents). <c>serve</c> passes false unless the native plane will start them.
    /// </param>
    public static ConfigSet Load(string poolConfigPath, string agentsPath, string personasDir, ScopeMode mode, long version = 0, bool checkAgentBinaries = true) =>
        Compose(PoolConfigCodec.Load(poolConfigPath), AgentsRegistry.Load(agentsPath), PersonaCatalog.Load(personasDir), mode, version, checkAgentBinaries);

    /// <summary>The set with <paramref name="pool"/> as its pool.toml: how the editor checks a draft against the files on disk.</summary>
    public static ConfigSet Compose(PoolConfigDocument pool, AgentsRegistry agents, PersonaCatalog personas, ScopeMode mode, long version = 0, bool checkAgentBinaries = true)
    {
        var context = new ValidationContext(
            personas.Personas.Select(p => p.Id).ToHashSet(StringComparer.Ordinal),
            agents.Agents.Select(a => a.Name).ToHashSet(StringComparer.Ordinal),
            agents.MaxParallel,
            mode);
        var binaries = mode == ScopeMode.Native && checkAgentBinaries ? AgentBinaryFindings(agents) : [];
        var findings = agents.Findings.Concat(binaries).Concat(personas.Findings).Concat(PoolConfigValidator.Validate(pool, context))
            .Distinct()
            .OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column)
            .ToList();
        var resolved = PoolConfigResolver.Resolve(pool, agents.MaxParallel, mode, version).Config;
        return new ConfigSet(pool, agents, personas, resolved, findings);
    }

    /// <summary>
    /// A declared <c>binary</c> that does not resolve on the PATH a pane would get (<c>GEMBA_HOME</c>
    /// first, then the agent's <c>env.PATH</c> or this process's PATH); agents that declare no binary are skipped.
    /// </summary>
    public static IReadOnlyList<ConfigFinding> AgentBinaryFindings(AgentsRegistry agents)
    {
        var directory = Directory.GetCurrentDirectory();
        var options = new TmuxPlaneOptions("http://127.0.0.1/", directory, ExtraPath: Environment.GetEnvironmentVariable("GEMBA_HOME"));
        var findings = new List<ConfigFinding>();
        foreach (var agent in agents.Agents)
        {
            if (agent.BinaryAt is not { } at) continue;
            var path = TmuxWindowCommand.PanePath(options, agent, Environment.GetEnvironmentVariable("PATH"));
            if (ExecutableLookup.Find(agent.Binary, path, directory) is not null) continue;
            findings.Add(at.Finding(FindingSeverity.Warning, agent.Binary.Contains('/')
                ? $"agent \"{agent.Name}\": binary \"{agent.Binary}\" is not an executable file; the native plane cannot start this agent"
                : $"agent \"{agent.Name}\": binary \"{agent.Binary}\" not found on PATH ({path ?? "empty"}); the native plane cannot start this agent"));
        }
        return findings;
    }
}
