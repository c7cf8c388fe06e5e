using Gemba.Config;

namespace Gemba.Silo.Hosting;

/// <summary>The config files this server was started with and the set currently in force.</summary>
public sealed class ConfigState(ServeOptions options, ConfigSet initial)
{
    private ConfigSet _current = initial;
    private long _version = initial.Resolved.Version;

    public ServeOptions Options { get; } = options;

    public ScopeMode Mode => Options.Orchestration == "gastown" ? ScopeMode.GasTown : ScopeMode.Native;

    public ConfigSet Current => Volatile.Read(ref _current);

    /// <summary>Re-reads the files; the new set is only adopted (and returned) when it has no errors.</summary>
    public (ConfigSet Set, bool Adopted) Reload()
    {
        var next = ConfigSet.Load(Options.PoolConfig, Options.AgentsRegistry, Options.PersonasDir, Mode, Interlocked.Increment(ref _version));
        if (next.HasErrors) return (next, false);
        Volatile.Write(ref _current, next);
        return (next, true);
    }
}
