using CliWrap;
using CliWrap.Buffered;
using Gemba.Silo.Orchestration.GasTown;

namespace Gemba.Adapters.Tests.GasTown;

public sealed class GtClientTests : IDisposable
{
    private readonly FakeGt _gt = new();

    public void Dispose() => _gt.Dispose();

    internal const string RigListJson = """
        [
          {
            "name": "alpha",
            "beads_prefix": "al",
            "status": "operational",
            "witness": "running",
            "refinery": "running",
            "polecats": 2,
            "crew": 1
          },
          {
            "name": "beta",
            "beads_prefix": "gm",
            "status": "parked",
            "witness": "stopped",
            "refinery": "stopped",
            "polecats": 0,
            "crew": 0,
            "added_in_a_later_gt": {"nested": [1, 2]}
          }
        ]
        """;

    [Fact]
    public async Task Probe_reports_version_and_the_seed_commands_gt_does_not_have()
    {
        var capabilities = await _gt.Client().ProbeAsync();

        Assert.Equal("1.0.1", capabilities.Version);
        Assert.True(capabilities.HasHandoff);
        Assert.False(capabilities.HasSlingJson);
        Assert.Equal(2, capabilities.Missing.Count);
        Assert.Contains(capabilities.Missing, m => m.StartsWith("gt rig create (", StringComparison.Ordinal) && m.Contains("gt rig add <name> <git-url>", StringComparison.Ordinal));
        Assert.Contains(capabilities.Missing, m => m.StartsWith("gt polecat create (", StringComparison.Ordinal) && m.Contains("gt polecat identity add <rig> <name>", StringComparison.Ordinal));
        // probes only ask for help: nothing was run that could change the town
        Assert.All(_gt.Calls.Skip(1), c => Assert.Equal("--help", c[^1]));
        Assert.Equal(["--version"], _gt.Calls[0]);
    }

    [Fact]
    public async Task Probe_reports_a_gt_without_handoff()
    {
        _gt.File("no-handoff", "");
        _gt.Respond("version", stdout: "gt version v0.9.2\n");

        var capabilities = await _gt.Client().ProbeAsync();

        Assert.Equal("0.9.2", capabilities.Version);
        Assert.False(capabilities.HasHandoff);
        Assert.Contains(capabilities.Missing, m => m.StartsWith("gt handoff", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_fails_clearly_when_gt_version_fails()
    {
        _gt.Respond("version", exit: 1, stderr: "Error: not in a Gas Town workspace\n");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client().ProbeAsync());

        Assert.Equal("gt --version", ex.Command);
        Assert.Equal(1, ex.ExitCode);
        Assert.Contains("not in a Gas Town workspace", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_gt_answers_the_seed_commands_like_cobra_does()
    {
        var rigCreate = await Cli.Wrap(_gt.Executable).WithArguments(["rig", "create", "foo"])
            .WithEnvironmentVariables(e => e.Set("FAKE_GT_DIR", _gt.Dir)).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        var polecatCreate = await Cli.Wrap(_gt.Executable).WithArguments(["polecat", "create", "foo", "bar"])
            .WithEnvironmentVariables(e => e.Set("FAKE_GT_DIR", _gt.Dir)).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

        Assert.Equal(1, rigCreate.ExitCode);
        Assert.StartsWith("Error: unknown command \"create\" for \"gt rig\"", rigCreate.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, polecatCreate.ExitCode);
        Assert.StartsWith("Error: unknown command \"create\" for \"gt polecat\"", polecatCreate.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRigs_reads_the_documented_shape_and_ignores_unknown_fields()
    {
        _gt.File("rig-list.json", RigListJson);

        var rigs = await _gt.Client().ListRigsAsync();

        Assert.Equal(
            [new GtRig("alpha", "al", "operational", "running", "running", 2, 1), new GtRig("beta", "gm", "parked", "stopped", "stopped", 0, 0)],
            rigs);
        Assert.Equal(["rig", "list", "--json"], _gt.Calls.Single());
    }

    [Fact]
    public async Task ListRigs_treats_no_rigs_configured_as_empty()
    {
        // no rig-list.json: the fake prints gt's plain-text "No rigs configured." even with --json
        Assert.Empty(await _gt.Client().ListRigsAsync());
    }

    [Fact]
    public async Task ListPolecats_garbage_is_a_clear_error_naming_the_command()
    {
        _gt.File("polecat-list.json", "<html>502 Bad Gateway</html>");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client().ListPolecatsAsync());

        Assert.Equal("gt polecat list --all --json", ex.Command);
        Assert.Contains("`gt polecat list --all --json` printed output that is not JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("<html>502", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPolecats_wrong_json_shape_is_a_clear_error()
    {
        _gt.File("polecat-list.json", """{"polecats": []}""");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client().ListPolecatsAsync());

        Assert.Contains("`gt polecat list --all --json` printed JSON Object, expected an array of polecats", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPolecats_reads_issue_and_session_state()
    {
        _gt.File("polecat-list.json", """
            [
              {"rig": "beta", "name": "nux", "state": "working", "issue": "gm-1", "session_running": true, "session_name": "gt-beta-nux"},
              {"rig": "beta", "name": "slit", "state": "idle", "session_running": false, "zombie": false},
              {"name": "no-rig"}
            ]
            """);

        var polecats = await _gt.Client().ListPolecatsAsync();

        Assert.Equal([new GtPolecat("beta", "nux", "working", "gm-1", true), new GtPolecat("beta", "slit", "idle", null, false)], polecats);
        Assert.Equal("beta/polecats/nux", polecats[0].Address);
    }

    [Fact]
    public async Task Failing_command_names_command_exit_code_and_first_stderr_line()
    {
        _gt.Respond("rig-list", exit: 1, stderr: "Error: not in a Gas Town workspace\nUsage: ...\n");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client().ListRigsAsync());

        Assert.Equal("`gt rig list --json` failed (exit code 1): Error: not in a Gas Town workspace", ex.Message);
        Assert.Equal(1, ex.ExitCode);
        Assert.Equal("Error: not in a Gas Town workspace", ex.FirstStderrLine);
    }

    [Fact]
    public async Task Missing_gt_executable_is_a_clear_error()
    {
        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client("gt-not-installed-" + Guid.NewGuid().ToString("N")).ListRigsAsync());
        Assert.Contains("not found on PATH (install Gas Town, or use --orchestration native|mock)", ex.Message, StringComparison.Ordinal);

        var missingPath = Path.Combine(_gt.Dir, "nowhere", "gt");
        var byPath = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client(missingPath).ProbeAsync());
        Assert.Contains("(install Gas Town, or use --orchestration native|mock)", byPath.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_gt_is_killed_after_the_timeout()
    {
        _gt.File("rig-list.sleep", "5");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Client(timeout: TimeSpan.FromMilliseconds(300)).ListRigsAsync());

        Assert.Contains("`gt rig list --json` timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitState_reads_clean_and_dirty_worktrees()
    {
        _gt.File("git-state-nux.json", """{"clean": true, "uncommitted_files": [], "unpushed_commits": 0, "stash_count": 0}""");
        _gt.File("git-state-slit.json", """{"clean": false, "uncommitted_files": ["src/a.cs", "README.md"], "unpushed_commits": 2, "stash_count": 1}""");
        var client = _gt.Client();

        var clean = await client.GitStateAsync("beta", "nux");
        var dirty = await client.GitStateAsync("beta", "slit");

        Assert.False(clean.IsDirty);
        Assert.True(dirty.IsDirty);
        Assert.Equal(["src/a.cs", "README.md"], dirty.UncommittedFiles);
        Assert.Equal(2, dirty.UnpushedCommits);
        Assert.Equal(1, dirty.StashCount);
        Assert.Equal(["polecat", "git-state", "beta/nux", "--json"], _gt.Calls[0]);
    }

    [Fact]
    public async Task Editor_mutations_run_the_real_gt_commands_and_report_for_the_modal()
    {
        var client = _gt.Client();

        var rig = await client.RigAddAsync("gamma", "https://example.com/gamma.git");
        var adopt = await client.RigAddAsync("delta");
        var polecat = await client.PolecatIdentityAddAsync("gamma", "engineer");
        var set = await client.ConfigSetAsync("scheduler.max_polecats", 5);
        var unset = await client.ConfigSetAsync("scheduler.max_polecats", -1);

        Assert.Equal(new GtRun("gt rig add gamma https://example.com/gamma.git", "Rig gamma added\n", "", true), rig);
        Assert.Equal("gt rig add delta --adopt", adopt.Command);
        Assert.Equal(new GtRun("gt polecat identity add gamma engineer", "Created polecat identity gamma/engineer\n", "", true), polecat);
        Assert.Equal("Set scheduler.max_polecats = 5\n", set.Stdout);
        Assert.Equal("gt config set scheduler.max_polecats -- -1", unset.Command);
        Assert.Equal(
            [
                ["rig", "add", "gamma", "https://example.com/gamma.git"],
                ["rig", "add", "delta", "--adopt"],
                ["polecat", "identity", "add", "gamma", "engineer"],
                ["config", "set", "scheduler.max_polecats", "5"],
                ["config", "set", "scheduler.max_polecats", "--", "-1"],
            ],
            _gt.Calls);
    }

    [Fact]
    public async Task Failed_mutation_is_reported_not_thrown()
    {
        _gt.Respond("rig-add", exit: 1, stderr: "Error: rig gamma already exists\n");

        var run = await _gt.Client().RigAddAsync("gamma", "https://example.com/gamma.git");

        Assert.False(run.Ok);
        Assert.Equal("Error: rig gamma already exists\n", run.Stderr);
        Assert.Equal("gt rig add gamma https://example.com/gamma.git", run.Command);
    }

    [Fact]
    public async Task ConfigGet_reads_the_bare_value()
    {
        var client = _gt.Client();
        Assert.Equal(-1, await client.ConfigGetIntAsync("scheduler.max_polecats"));

        _gt.File("config-scheduler.max_polecats", "7");
        Assert.Equal(7, await client.ConfigGetIntAsync("scheduler.max_polecats"));
        Assert.Equal(["config", "get", "scheduler.max_polecats"], _gt.Calls[^1]);

        _gt.File("config-scheduler.max_polecats", "lots");
        var ex = await Assert.ThrowsAsync<GtCommandException>(() => client.ConfigGetIntAsync("scheduler.max_polecats"));
        Assert.Contains("`gt config get scheduler.max_polecats` printed \"lots\", expected an integer", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--upload-pack=evil")]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("rig;rm -rf ~")]
    [InlineData("")]
    [InlineData("-rf")]
    public async Task Invalid_names_are_rejected_before_any_shell_out(string bad)
    {
        var client = _gt.Client();

        await Assert.ThrowsAsync<ArgumentException>(() => client.RigAddAsync(bad, "https://example.com/x.git"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PolecatIdentityAddAsync("beta", bad));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PolecatIdentityAddAsync(bad, "engineer"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SlingAsync("gm-1", bad, "claude"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SlingAsync(bad, "beta", "claude"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SlingAsync("gm-1", "beta", bad));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GitStateAsync("beta", bad));
        await Assert.ThrowsAsync<ArgumentException>(() => client.HandoffAsync(bad, "nux"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UnslingAsync(bad));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ConfigSetAsync(bad, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => client.RigAddAsync("gamma", "--upload-pack=touch /tmp/x"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.RigAddAsync("gamma", "https://example.com/a b.git"));

        Assert.Empty(_gt.Calls);
    }

    [Theory]
    [InlineData("sling", "gm-1", "beta")]
    [InlineData("rig", "remove", "alpha")]
    [InlineData("config", "set", "scheduler.max_polecats", "5", "--force")]
    [InlineData("polecat", "identity", "add", "beta", "a b")]
    public async Task The_editor_runs_only_argument_lists_its_own_planners_build(params string[] arguments)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _gt.Client().RunEditorCommandAsync(arguments));
        Assert.Empty(_gt.Calls);
    }
}
