using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Silo.Orchestration.GasTown;

namespace Gemba.Adapters.Tests.GasTown;

public sealed class GasTownOrchestrationPlaneTests : IDisposable
{
    private readonly FakeGt _gt = new();

    public GasTownOrchestrationPlaneTests()
    {
        _gt.File("rig-list.json", GtClientTests.RigListJson);
    }

    public void Dispose() => _gt.Dispose();

    private static BeadAssignment Bead(string id) => new(id, "title " + id, "do " + id, [], [], "claim-" + id);

    private static SpawnRequest Spawn(string scope, string bead, string persona = "engineer") =>
        new("s-1", new PoolKey(scope, persona), "claude", Bead(bead));

    private static SessionHandle Handle(string address) => new("s-1", "gastown", null, address);

    private void PolecatsHolding(params (string Rig, string Name, string? Issue, bool Running)[] polecats) =>
        _gt.File("polecat-list.json", "[" + string.Join(",", polecats.Select(p =>
            $$"""{"rig": "{{p.Rig}}", "name": "{{p.Name}}", "state": "{{(p.Issue is null ? "idle" : "working")}}"{{(p.Issue is null ? "" : $", \"issue\": \"{p.Issue}\"")}}, "session_running": {{(p.Running ? "true" : "false")}}}""")) + "]");

    [Fact]
    public async Task Spawn_slings_to_the_pools_rig_not_the_first_operational_one_and_resolves_the_polecat()
    {
        // alpha is the first operational rig (where the original slung every pool); the pool says beta
        PolecatsHolding(("alpha", "furiosa", "gm-9", true), ("beta", "nux", "gm-1", true));
        var plane = _gt.Plane();

        var handle = await plane.SpawnAsync(Spawn("beta", "gm-1"));

        Assert.Equal(new SessionHandle("s-1", "gastown", null, "beta/polecats/nux"), handle);
        Assert.Equal(
            [
                ["rig", "list", "--json"],
                ["sling", "gm-1", "beta", "--agent", "claude", "--create", "--args", "persona:engineer"],
                ["polecat", "list", "--all", "--json"],
            ],
            _gt.Calls);
    }

    [Fact]
    public async Task Spawn_to_an_unknown_rig_fails_clearly_without_slinging()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _gt.Plane().SpawnAsync(Spawn("gamma", "gm-1")));

        Assert.Contains("rig 'gamma'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("`gt rig list --json` does not show (rigs: alpha, beta)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_gt.CallsOf("sling"));
    }

    [Fact]
    public async Task Spawn_without_a_first_bead_is_not_supported()
    {
        var request = new SpawnRequest("s-1", new PoolKey("beta", "engineer"), "claude", null);

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => _gt.Plane().SpawnAsync(request));

        Assert.Contains("gt creates polecats on demand", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_gt.Calls);
    }

    [Fact]
    public async Task Spawn_that_gt_only_queued_fails_clearly()
    {
        PolecatsHolding(("beta", "nux", null, true));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _gt.Plane().SpawnAsync(Spawn("beta", "gm-1")));

        Assert.Contains("no polecat in `gt polecat list --all --json` holds it", ex.Message, StringComparison.Ordinal);
        Assert.Contains("scheduler.max_polecats", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_sling_names_the_command()
    {
        _gt.Respond("sling", exit: 1, stderr: "Error: bead gm-1 is closed\n");

        var ex = await Assert.ThrowsAsync<GtCommandException>(() => _gt.Plane().SpawnAsync(Spawn("beta", "gm-1")));

        Assert.Equal("`gt sling gm-1 beta --agent claude --create --args persona:engineer` failed (exit code 1): Error: bead gm-1 is closed", ex.Message);
    }

    [Fact]
    public async Task Warm_deliver_slings_to_the_same_polecat_without_create()
    {
        PolecatsHolding(("beta", "nux", "gm-1", true));
        var plane = _gt.Plane();
        var handle = await plane.SpawnAsync(Spawn("beta", "gm-1"));

        await plane.DeliverAsync(handle, Bead("gm-2"));

        Assert.Equal(["sling", "gm-2", "beta/nux", "--agent", "claude", "--args", "persona:engineer"], _gt.Calls[^1]);
    }

    [Fact]
    public async Task Deliver_after_a_restart_slings_to_the_address_with_gts_defaults()
    {
        await _gt.Plane().DeliverAsync(Handle("beta/polecats/nux"), Bead("gm-2"));

        Assert.Equal(["sling", "gm-2", "beta/nux"], _gt.Calls.Single());
    }

    [Fact]
    public async Task Recycle_is_refused_on_a_dirty_worktree_without_handoff()
    {
        _gt.File("git-state-nux.json", """{"clean": false, "uncommitted_files": ["src/a.cs", "notes.md"], "unpushed_commits": 1, "stash_count": 0}""");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _gt.Plane().RecycleAsync(Handle("beta/polecats/nux")));

        Assert.Contains("beta/polecats/nux", ex.Message, StringComparison.Ordinal);
        Assert.Contains("src/a.cs, notes.md", ex.Message, StringComparison.Ordinal);
        Assert.Contains(["polecat", "git-state", "beta/nux", "--json"], _gt.Calls);
        Assert.DoesNotContain(_gt.CallsOf("handoff"), c => c[^1] != "--help");
        Assert.Empty(_gt.CallsOf("unsling"));
    }

    [Fact]
    public async Task Recycle_hands_off_a_clean_polecat()
    {
        _gt.File("git-state-nux.json", """{"clean": true, "uncommitted_files": [], "unpushed_commits": 0, "stash_count": 0}""");

        await _gt.Plane().RecycleAsync(Handle("beta/polecats/nux"));

        Assert.Equal(["handoff", "beta/nux"], _gt.Calls[^1]);
    }

    [Fact]
    public async Task Recycle_without_handoff_in_this_gt_is_not_supported()
    {
        _gt.File("no-handoff", "");

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => _gt.Plane().RecycleAsync(Handle("beta/polecats/nux")));

        Assert.Equal("gt handoff not available in this gt version", ex.Message);
        Assert.DoesNotContain(_gt.CallsOf("polecat"), c => c[1] == "git-state");
    }

    [Fact]
    public async Task Stop_unslings_the_held_bead_and_is_idempotent()
    {
        PolecatsHolding(("beta", "nux", "gm-1", true));
        var plane = _gt.Plane();

        await plane.StopAsync(Handle("beta/polecats/nux"));
        Assert.Equal(["unsling", "gm-1"], _gt.Calls[^1]);

        PolecatsHolding(("beta", "nux", null, true));
        await plane.StopAsync(Handle("beta/polecats/nux"));
        await plane.StopAsync(Handle("beta/polecats/gone"));
        await plane.StopAsync(new SessionHandle("s-2", "gastown", null, null));
        Assert.Single(_gt.CallsOf("unsling"));
    }

    [Fact]
    public async Task Stop_surfaces_an_unsling_failure_while_the_bead_is_still_held()
    {
        PolecatsHolding(("beta", "nux", "gm-1", true));
        _gt.Respond("unsling", exit: 1, stderr: "Error: gm-1 is not hooked\n");
        var plane = _gt.Plane();

        // still held after the failure: the error surfaces
        await Assert.ThrowsAsync<GtCommandException>(() => plane.StopAsync(Handle("beta/polecats/nux")));
    }

    [Fact]
    public async Task IsAlive_needs_the_polecat_listed_with_a_running_session()
    {
        PolecatsHolding(("beta", "nux", "gm-1", true), ("beta", "slit", null, false));
        var plane = _gt.Plane();

        Assert.True(await plane.IsAliveAsync(Handle("beta/polecats/nux")));
        Assert.False(await plane.IsAliveAsync(Handle("beta/polecats/slit")));
        Assert.False(await plane.IsAliveAsync(Handle("alpha/polecats/nux")));
    }

    [Fact]
    public async Task IsWorktreeClean_counts_any_error_as_dirty()
    {
        _gt.File("git-state-nux.json", """{"clean": true, "uncommitted_files": [], "unpushed_commits": 0, "stash_count": 0}""");
        _gt.File("git-state-slit.json", "not json at all");
        var plane = _gt.Plane();

        Assert.True((await plane.CheckWorktreeAsync(Handle("beta/polecats/nux"))).IsClean);
        Assert.False((await plane.CheckWorktreeAsync(Handle("beta/polecats/slit"))).IsClean);
        Assert.False((await plane.CheckWorktreeAsync(Handle("beta/polecats/missing"))).IsClean);
        Assert.False((await plane.CheckWorktreeAsync(new SessionHandle("s-1", "gastown", null, "not-an-address"))).IsClean);
    }

    [Fact]
    public async Task RigPrefixes_map_beads_prefixes_to_rigs()
    {
        var prefixes = await _gt.Plane().RigPrefixesAsync();

        Assert.Equal(new Dictionary<string, string> { ["al"] = "alpha", ["gm"] = "beta" }, prefixes);
    }

    [Fact]
    public async Task Malformed_addresses_are_rejected_before_any_shell_out()
    {
        var plane = _gt.Plane();

        await Assert.ThrowsAsync<ArgumentException>(() => plane.DeliverAsync(Handle("beta/polecats/-rf"), Bead("gm-2")));
        await Assert.ThrowsAsync<ArgumentException>(() => plane.RecycleAsync(Handle("beta/crew/x/y")));
        await Assert.ThrowsAsync<ArgumentException>(() => plane.SpawnAsync(Spawn("beta", "--force")));

        Assert.Empty(_gt.Calls);
    }
}
