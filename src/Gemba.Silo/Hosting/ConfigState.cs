using Gemba.Config;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Silo.Hosting;

/// <summary>The configuration set in force in this process; replaced whole by a reload or an editor save.</summary>
public sealed class ConfigState(ServeOptions options, ConfigSet initial)
{
    private ConfigSet _current = initial;
    private long _version = initial.Resolved.Version;

    public ServeOptions Options { get; } = options;

    public ScopeMode Mode => Options.ScopeMode;

    /// <summary>Agent binaries are only looked up where gemba itself starts the agents.</summary>
    public bool ChecksAgentBinaries => Options.Orchestration == TmuxOrchestrationPlane.Id;

    public ConfigSet Current => Volatile.Read(ref _current);

    /// <summary>Every adopted set gets a higher version, so pools can tell a newer config from a replay.</summary>
    public long NextVersion() => Interlocked.Increment(ref _version);

    /// <summary>Re-reads the files; the new set is only adopted (and returned) when it has no errors.</summary>
    public (ConfigSet Set, bool Adopted) Reload()
    {
        var next = ConfigSet.Load(Options.PoolConfig, Options.AgentsRegistry, Options.PersonasDir, Mode, NextVersion(), ChecksAgentBinaries);
        if (next.HasErrors) return (next, false);
        Adopt(next);
        return (next, true);
    }

    /// <summary>Puts a checked set in force (the editor's save has already validated it).</summary>
    public void Adopt(ConfigSet set) => Volatile.Write(ref _current, set);
}
