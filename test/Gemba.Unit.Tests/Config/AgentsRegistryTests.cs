using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class AgentsRegistryTests
{
    private static AgentsRegistry Parse(string toml) => AgentsRegistry.Parse(toml, "agents.toml");

    [Fact]
    public void Reads_every_field_with_defaults()
    {
        var registry = Parse("""
            [[agent]]
            name = "claude"
            args = ["--print", "-v"]
            model = "opus"
            preamble = "claude_md"
            hooks = "claude_code"
            interaction_mode = "cautious"
            intra_parallel = true
            max_parallel = 3
            [agent.env]
            TERM = "xterm"

            [[agent]]
            name = "codex"
            binary = "/usr/bin/codex"
            env = { A = "1" }
            """);

        Assert.Empty(registry.Findings);
        Assert.Equal(2, registry.Agents.Count);
        var claude = registry.Find("claude")!;
        Assert.Equal("claude", claude.Binary);
        Assert.Equal(["--print", "-v"], claude.Args);
        Assert.Equal(("opus", "claude_md", "claude_code"), (claude.Model, claude.Preamble, claude.Hooks));
        Assert.Equal((InteractionMode.Cautious, true, 3), (claude.InteractionMode, claude.IntraParallel, claude.MaxParallel));
        Assert.Equal("xterm", claude.Env["TERM"]);
        var codex = registry.Find("codex")!;
        Assert.Equal(("/usr/bin/codex", InteractionMode.Balanced, false, (int?)null), (codex.Binary, codex.InteractionMode, codex.IntraParallel, codex.MaxParallel));
        Assert.Equal("1", codex.Env["A"]);
    }

    [Fact]
    public void Max_parallel_is_the_largest_declared_regardless_of_intra_parallel()
    {
        var registry = Parse("[[agent]]\nname = \"a\"\nmax_parallel = 2\n[[agent]]\nname = \"b\"\nintra_parallel = true\nmax_parallel = 1\n[[agent]]\nname = \"c\"\n");
        Assert.Equal(2, registry.MaxParallel);
        Assert.Equal(0, Parse("[[agent]]\nname = \"a\"\n").MaxParallel);
    }

    [Fact]
    public void Missing_file_is_an_empty_registry_without_findings()
    {
        var registry = AgentsRegistry.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "agents.toml"));
        Assert.Empty(registry.Agents);
        Assert.Empty(registry.Findings);
        Assert.Equal(0, registry.MaxParallel);
    }

    [Fact]
    public void Missing_name_is_an_error_at_the_header_and_the_agent_is_skipped()
    {
        var registry = Parse("[[agent]]\nname = \"a\"\n\n[[agent]]\nbinary = \"x\"\n");
        var f = Assert.Single(registry.Findings);
        Assert.Equal((FindingSeverity.Error, 4, 1), (f.Severity, f.Line, f.Column));
        Assert.Single(registry.Agents);
    }

    [Fact]
    public void Duplicate_name_is_an_error_at_the_second_name()
    {
        var registry = Parse("[[agent]]\nname = \"a\"\nmax_parallel = 2\n[[agent]]\nname = \"a\"\nmax_parallel = 9\n");
        var f = Assert.Single(registry.Findings);
        Assert.Equal((FindingSeverity.Error, 5, 8), (f.Severity, f.Line, f.Column));
        Assert.Equal(2, Assert.Single(registry.Agents).MaxParallel);
        Assert.Equal(2, registry.MaxParallel);
    }

    [Fact]
    public void Bad_values_are_positioned_errors_and_fall_back_to_defaults()
    {
        var registry = Parse("""
            [[agent]]
            name = "a"
            max_parallel = 0
            interaction_mode = "yolo"
            intra_parallel = "yes"
            args = "--x"
            """);
        Assert.Equal([(3, 16), (4, 20), (5, 18), (6, 8)], registry.Findings.Select(f => (f.Line, f.Column)));
        Assert.All(registry.Findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
        var a = Assert.Single(registry.Agents);
        Assert.Equal((InteractionMode.Balanced, false, (int?)null), (a.InteractionMode, a.IntraParallel, a.MaxParallel));
        Assert.Empty(a.Args);
    }

    [Fact]
    public void Invalid_name_and_syntax_errors_are_reported()
    {
        Assert.Contains("not a valid name", Assert.Single(Parse("[[agent]]\nname = \"bad name\"\n").Findings).Message);
        var syntax = Assert.Single(Parse("[[agent]\nname = \"a\"\n").Findings, f => f.Line == 1);
        Assert.Equal(FindingSeverity.Error, syntax.Severity);
    }

    [Fact]
    public void Preamble_text_ready_pattern_and_the_binary_position_are_read()
    {
        var registry = Parse("""
            [[agent]]
            name = "claude"
            preamble = "first_message"
            preamble_text = '''
            You work in your own git worktree.
            Commit before bead-done.'''
            ready_pattern = '^> $'
              binary = "/opt/claude/bin/claude"
            """);

        Assert.Empty(registry.Findings);
        var claude = Assert.Single(registry.Agents);
        Assert.Equal("first_message", claude.Preamble);
        Assert.Equal("You work in your own git worktree.\nCommit before bead-done.", claude.PreambleText);
        Assert.Equal("^> $", claude.ReadyPattern);
        Assert.Equal(new ConfigPosition("agents.toml", 8, 3), claude.BinaryAt);
    }

    [Fact]
    public void Without_those_keys_they_are_null_and_the_binary_is_the_name()
    {
        var a = Assert.Single(Parse("[[agent]]\nname = \"aider\"\n").Agents);

        Assert.Equal(("aider", (string?)null, (string?)null, (ConfigPosition?)null), (a.Binary, a.PreambleText, a.ReadyPattern, a.BinaryAt));
    }

    [Fact]
    public void A_ready_pattern_that_is_not_a_regular_expression_is_an_error_at_its_value_and_ignored()
    {
        var registry = Parse("[[agent]]\nname = \"a\"\nready_pattern = \"([unclosed\"\n");

        var finding = Assert.Single(registry.Findings);
        Assert.Equal((FindingSeverity.Error, 3, 17), (finding.Severity, finding.Line, finding.Column));
        Assert.Contains("ready_pattern", finding.Message);
        Assert.Contains("regular expression", finding.Message);
        Assert.Null(Assert.Single(registry.Agents).ReadyPattern);
        Assert.Contains("empty", Assert.Single(Parse("[[agent]]\nname = \"a\"\nready_pattern = \"\"\n").Findings).Message);
    }

    [Fact]
    public void Preamble_text_of_the_wrong_type_is_an_error()
    {
        var finding = Assert.Single(Parse("[[agent]]\nname = \"a\"\npreamble_text = 3\n").Findings);

        Assert.Equal((FindingSeverity.Error, 3), (finding.Severity, finding.Line));
        Assert.Contains("expected a string", finding.Message);
    }
}
