using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class PoolConfigValidatorTests
{
    private static readonly ValidationContext Context = new(
        new HashSet<string> { "engineer", "pm" },
        new HashSet<string> { "claude", "codex" },
        MaxParallel: 0,
        ScopeMode.Native);

    private static IReadOnlyList<ConfigFinding> Validate(string toml, ValidationContext? ctx = null) =>
        PoolConfigValidator.Validate(PoolConfigCodec.Parse(toml, "pool.toml"), ctx ?? Context);

    private static ConfigFinding Single(string toml, FindingSeverity severity, ValidationContext? ctx = null)
    {
        var findings = Validate(toml, ctx);
        var finding = Assert.Single(findings);
        Assert.Equal(severity, finding.Severity);
        return finding;
    }

    [Fact]
    public void Valid_file_has_no_findings()
    {
        Assert.Empty(Validate("""
            [pool]
            default_size = 1
            default_persona = "engineer"
            [pool.routing]
            bug = "engineer"
            [pool.local.engineer]
            size = -1
            floor = 0.0
            [pool.local.pm]
            agent_type = "codex"
            floor = 1.0
            """));
    }

    [Fact]
    public void Unknown_default_persona_is_a_warning_at_its_value()
    {
        var f = Single("[pool]\ndefault_persona = \"ghost\"\n", FindingSeverity.Warning);
        Assert.Equal((2, 19), (f.Line, f.Column));
        Assert.Contains("persona \"ghost\" not in known personas", f.Message);
    }

    [Fact]
    public void Unknown_routing_persona_is_a_warning()
    {
        var f = Single("[pool.routing]\nbug = \"ghost\"\n", FindingSeverity.Warning);
        Assert.Equal((2, 7), (f.Line, f.Column));
    }

    [Theory]
    [InlineData("epic")]
    [InlineData("milestone")]
    [InlineData("decision")]
    public void Routing_a_never_dispatched_kind_is_a_warning(string kind)
    {
        var f = Single($"[pool.routing]\n{kind} = \"pm\"\n", FindingSeverity.Warning);
        Assert.EndsWith($"kind {kind} is never auto-dispatched; drag it or use a cascade", f.Message);
    }

    [Fact]
    public void Unknown_pool_persona_is_an_error_at_its_table()
    {
        var f = Single("[pool]\ndefault_persona = \"pm\"\n\n[pool.local.ghost]\nsize = 1\n", FindingSeverity.Error);
        Assert.Equal((4, 1), (f.Line, f.Column));
        Assert.Contains("persona \"ghost\" not in known personas (known: engineer, pm)", f.Message);
    }

    [Fact]
    public void Persona_and_agent_type_checks_are_skipped_when_nothing_is_known()
    {
        var ctx = new ValidationContext(new HashSet<string>(), new HashSet<string>(), 0, ScopeMode.Native);
        Assert.Empty(Validate("[pool.local.ghost]\nagent_type = \"robot\"\n", ctx));
    }

    [Fact]
    public void Unregistered_agent_type_is_an_error_including_the_default()
    {
        var f = Single("[pool.local.pm]\nagent_type = \"robot\"\n", FindingSeverity.Error);
        Assert.Equal((2, 14), (f.Line, f.Column));
        var ctx = Context with { KnownAgentTypes = new HashSet<string> { "codex" } };
        Assert.Contains("(the default)", Single("[pool.local.pm]\nsize = 1\n", FindingSeverity.Error, ctx).Message);
    }

    [Fact]
    public void Size_below_minus_one_is_an_error()
    {
        var f = Single("[pool.local.pm]\nsize = -2\n", FindingSeverity.Error);
        Assert.Equal((2, 8), (f.Line, f.Column));
    }

    [Fact]
    public void Floor_outside_zero_one_is_an_error_at_its_value()
    {
        var f = Single("[pool.local.pm]\nfloor = 1.5\n", FindingSeverity.Error);
        Assert.Equal((2, 9), (f.Line, f.Column));
        Assert.Equal("pool.local.pm.floor: floor must be in [0, 1], found 1.5", f.Message);
        Assert.Equal("pool.local.pm.floor", f.Field);
        Assert.Contains("floor must be in [0, 1], found -0.1", Single("[pool]\ndefault_floor = -0.1\n", FindingSeverity.Error).Message);
    }

    [Fact]
    public void Negative_counters_are_errors()
    {
        Assert.Equal(FindingSeverity.Error, Single("[pool]\nreserved_for_manual = -1\n", FindingSeverity.Error).Severity);
        var findings = Validate("[pool.local.pm]\nmin_interval_per_session_seconds = -5\nmax_concurrent = -1\n");
        Assert.Equal([(2, 36), (3, 18)], findings.Select(f => (f.Line, f.Column)));
        Assert.All(findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
    }

    [Fact]
    public void Duplicate_pool_table_is_reported_with_position()
    {
        var findings = Validate("[pool.local.pm]\nsize = 1\n[pool.local.'pm']\nsize = 2\n");
        var f = Assert.Single(findings);
        Assert.Equal((FindingSeverity.Error, 3, 1), (f.Severity, f.Line, f.Column));
        Assert.Contains("duplicate pool", f.Message);
    }

    [Fact]
    public void Size_above_the_cap_is_a_warning_with_the_clamp_preview()
    {
        var f = Single("[pool.local.pm]\nsize = 4\n", FindingSeverity.Warning, Context with { MaxParallel = 3 });
        Assert.Equal((2, 8), (f.Line, f.Column));
        Assert.Contains("size clamped from 4 to 2", f.Message);
    }

    [Fact]
    public void Default_size_without_default_persona_is_a_warning()
    {
        var f = Single("[pool]\ndefault_size = 2\n", FindingSeverity.Warning);
        Assert.Contains("default_size will create no pools without default_persona", f.Message);
    }

    [Fact]
    public void Invalid_scope_or_persona_names_are_errors()
    {
        var ctx = Context with { KnownPersonas = new HashSet<string>() };
        var f = Single("[pool.local.\"bad/name\"]\nsize = 1\n", FindingSeverity.Error, ctx);
        Assert.Equal((1, 1), (f.Line, f.Column));
        Assert.Contains("persona 'bad/name' is not a valid name", f.Message);
        Assert.Contains("scope '-x' is not a valid name",
            Single("[pool.\"-x\".pm]\nsize = 1\n", FindingSeverity.Error, Context with { Mode = ScopeMode.GasTown }).Message);
    }

    [Fact]
    public void Parse_and_resolver_findings_are_included_in_file_order()
    {
        var findings = Validate("[pool.local.pm]\nsize = \"x\"\n[pool.gemba.engineer]\nsize = 1\n");
        Assert.Equal([(2, 8, FindingSeverity.Error), (3, 1, FindingSeverity.Warning)],
            findings.Select(f => (f.Line, f.Column, f.Severity)));
        Assert.True(findings.HasErrors());
    }
}
