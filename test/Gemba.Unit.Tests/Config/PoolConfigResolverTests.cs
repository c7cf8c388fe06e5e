using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PoolConfigResolverTests
{
    private static ResolveResult Resolve(string toml, int maxParallel = 0, ScopeMode mode = ScopeMode.Native)
    {
        var doc = PoolConfigCodec.Parse(toml, "pool.toml");
        Assert.Empty(doc.Findings);
        return PoolConfigResolver.Resolve(doc, maxParallel, mode);
    }

    [Fact]
    public void Absent_and_zero_values_cascade_to_the_defaults()
    {
        var result = Resolve("""
            [pool]
            default_size = 2
            [pool.local.a]
            [pool.local.b]
            size = 0
            recycle_after_beads = 0
            idle_ceiling_minutes = 0
            agent_type = ""
            """);

        Assert.Empty(result.Findings);
        Assert.Equal(2, result.Config.Pools.Count);
        Assert.All(result.Config.Pools, p =>
        {
            Assert.Equal((2, 2), (p.SizeDeclared, p.SizeEffective));
            Assert.Equal("claude", p.AgentType);
            Assert.Equal(0.5, p.Floor);
            Assert.Equal(5, p.RecycleAfterBeads);
            Assert.Equal(30, p.IdleCeilingMinutes);
            Assert.Equal(0, p.MinIntervalSeconds);
            Assert.Equal(0, p.MaxConcurrent);
            Assert.False(p.ClampActivated);
        });
        Assert.Equal(1, result.Config.ReservedForManual);
    }

    [Fact]
    public void Explicit_values_win_and_explicit_zero_floor_means_zero()
    {
        var result = Resolve("""
            [pool]
            default_floor = 0.7
            reserved_for_manual = 0
            [pool.local.a]
            size = 3
            agent_type = "codex"
            floor = 0.0
            recycle_after_beads = -1
            idle_ceiling_minutes = -1
            min_interval_per_session_seconds = 20
            max_concurrent = 2
            [pool.local.b]
            size = 1
            """, version: 7);

        var a = result.Config.Pools[0];
        Assert.Equal(new ResolvedPool("local", "a", "codex", 3, 3, 0.0, -1, -1, 20, 2, false), a);
        Assert.Equal(0.7, result.Config.Pools[1].Floor);
        Assert.Equal(0, result.Config.ReservedForManual);
        Assert.Equal(7, result.Config.Version);
    }

    private static ResolveResult Resolve(string toml, long version) =>
        PoolConfigResolver.Resolve(PoolConfigCodec.Parse(toml, "pool.toml").Config, 0, ScopeMode.Native, "pool.toml", version);

    [Fact]
    public void Size_minus_one_disables_a_pool_even_with_a_default_size()
    {
        var result = Resolve("[pool]\ndefault_size = 3\n[pool.local.a]\nsize = -1\n[pool.local.b]\n");
        Assert.Equal(["b"], result.Config.Pools.Select(p => p.Persona));
    }

    [Fact]
    public void No_size_and_no_default_size_means_no_pool()
    {
        Assert.True(Resolve("[pool.local.a]\nfloor = 0.2\n").Config.IsPhaseZero);
    }

    [Fact]
    public void Clamp_to_max_parallel_minus_reserved_warns_at_the_size()
    {
        var result = Resolve("[pool.local.engineer]\nsize = 5\n", maxParallel: 4);

        var pool = Assert.Single(result.Config.Pools);
        Assert.Equal((5, 3, true), (pool.SizeDeclared, pool.SizeEffective, pool.ClampActivated));
        var warning = Assert.Single(result.Findings);
        Assert.Equal((FindingSeverity.Warning, 2, 8), (warning.Severity, warning.Line, warning.Column));
        Assert.Contains("from 5 to 3", warning.Message);
        Assert.Contains("max_parallel=4", warning.Message);
        Assert.Contains("reserved_for_manual=1", warning.Message);
    }

    [Fact]
    public void Pool_clamped_to_zero_is_kept_with_a_warning()
    {
        var result = Resolve("[pool.local.engineer]\nsize = 2\n", maxParallel: 1);

        var pool = Assert.Single(result.Config.Pools);
        Assert.Equal((2, 0, true), (pool.SizeDeclared, pool.SizeEffective, pool.ClampActivated));
        var warning = Assert.Single(result.Findings);
        Assert.Equal(FindingSeverity.Warning, warning.Severity);
        Assert.Contains("pool local/engineer: size clamped from 2 to 0 by max_parallel=1 - reserved_for_manual=1", warning.Message);
    }

    [Fact]
    public void Max_parallel_zero_means_no_clamp()
    {
        var result = Resolve("[pool.local.engineer]\nsize = 50\n", maxParallel: 0);
        Assert.Equal(50, Assert.Single(result.Config.Pools).SizeEffective);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Routing_table_carries_kinds_and_default_persona()
    {
        var result = Resolve("[pool]\ndefault_persona = \"engineer\"\n[pool.routing]\nbug = \"engineer\"\ntask = \"pm\"\nchore = \"\"\n");
        Assert.Equal("engineer", result.Config.Routing.DefaultPersona);
        Assert.Equal(new Dictionary<string, string> { ["bug"] = "engineer", ["task"] = "pm" }, result.Config.Routing.ByKind);
        Assert.Null(Resolve("[pool]\ndefault_persona = \"\"\n").Config.Routing.DefaultPersona);
    }

    [Fact]
    public void Pools_are_sorted_by_scope_then_persona()
    {
        var result = Resolve("[pool]\ndefault_size = 1\n[pool.b.z]\n[pool.b.a]\n[pool.a.m]\n", mode: ScopeMode.GasTown);
        Assert.Equal(["a/m", "b/a", "b/z"], result.Config.Pools.Select(p => p.Key.ToString()));
    }

    [Fact]
    public void Legacy_rig_keys_on_native_map_to_local_with_one_warning_at_the_first_table()
    {
        var result = Resolve("[pool]\ndefault_size = 1\n[pool.local.a]\n[pool.gemba.b]\n[pool.lume.c]\n");

        Assert.Equal(["local/a", "local/b", "local/c"], result.Config.Pools.Select(p => p.Key.ToString()));
        var warning = Assert.Single(result.Findings);
        Assert.Equal((FindingSeverity.Warning, 4, 1), (warning.Severity, warning.Line, warning.Column));
        Assert.Equal("config: pool keys: 'rig' is now 'scope'; [pool.gemba.b] is read as [pool.local.b] on a native install - please rename", warning.Message);
    }

    [Fact]
    public void Rig_keys_on_gas_town_are_scopes_without_a_warning()
    {
        var result = Resolve("[pool]\ndefault_size = 1\n[pool.gemba.b]\n[pool.lume.c]\n", mode: ScopeMode.GasTown);
        Assert.Equal(["gemba/b", "lume/c"], result.Config.Pools.Select(p => p.Key.ToString()));
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Legacy_alias_that_collides_with_a_local_pool_is_an_error_and_local_wins()
    {
        var result = Resolve("[pool.local.engineer]\nsize = 1\n[pool.gemba.engineer]\nsize = 4\n");

        var pool = Assert.Single(result.Config.Pools);
        Assert.Equal(1, pool.SizeDeclared);
        var error = Assert.Single(result.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal((3, 1), (error.Line, error.Column));
        Assert.Contains("duplicate pool local/engineer", error.Message);
        Assert.Single(result.Findings, f => f.Severity == FindingSeverity.Warning);
    }

    [Fact]
    public void Resolving_a_bare_config_reports_findings_without_position()
    {
        var config = new PoolConfig();
        config.Pool("local", "engineer").Size = 3;
        var result = PoolConfigResolver.Resolve(config, 2, ScopeMode.Native, "pool.toml");
        var warning = Assert.Single(result.Findings);
        Assert.Equal(("pool.toml", 0, 0), (warning.File, warning.Line, warning.Column));
    }
}
