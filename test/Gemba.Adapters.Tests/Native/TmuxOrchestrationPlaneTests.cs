using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>The native plane against real tmux, a scripted agent and a fake gemba-state.</summary>
public sealed class TmuxOrchestrationPlaneTests : IDisposable
{
    private static readonly PoolKey Pool = new("local", "engineer");
    private readonly TmuxWorld _world = new();

    public void Dispose() => _world.Dispose();

    private static BeadAssignment Bead(string id) =>
        new(id, $"Title of {id}", $"""
            Work on bead {id}: Title of {id}

            Some description with "quotes", $dollars, `backticks` and a ; semicolon.

            When the bead is done and your worktree is clean, run: gemba-state bead-done --bead {id}
            """, [], [], "token-" + id);

    private static string Signal(string sessionId, string beadId) => $"{sessionId} {TmuxWorld.Url} bead-done --bead {beadId}";

    [Fact]
    public async Task Spawn_with_a_first_bead_delivers_the_prompt_and_the_agent_signals_bead_done_from_its_session_environment()
    {
        var plane = _world.CreatePlane();

        var handle = await plane.SpawnAsync(new SpawnRequest("engineer-local-0001", Pool, "scripted", Bead("gm-1")));

        Assert.Equal("native", handle.Adaptor);
        Assert.Equal("engineer-local-0001", handle.SessionId);
        Assert.Matches("^%[0-9]+$", handle.PaneId);
        // GEMBA_URL comes from the plane even though agents.toml tried to set it
        await _world.WaitForSignalAsync(Signal("engineer-local-0001", "gm-1"), handle.PaneId);
        var received = FileWait.Read(_world.ReceivedFile("engineer-local-0001"));
        Assert.Equal("started args= flavour=test", received[0]);
        Assert.Contains("Some description with \"quotes\", $dollars, `backticks` and a ; semicolon.", received);
        Assert.True(await plane.IsAliveAsync(handle));
        var window = _world.RunTmux("display-message", "-p", "-t", handle.PaneId!, "#{window_name}").Output.Trim();
        Assert.Equal("gemba: engineer-local-0001", window);
    }

    [Fact]
    public async Task A_second_bead_delivered_to_the_same_pane_is_signalled_again()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("warm-1", Pool, "scripted", Bead("gm-1")));
        await _world.WaitForSignalAsync(Signal("warm-1", "gm-1"), handle.PaneId);

        await plane.DeliverAsync(handle, Bead("gm-2"));

        var signals = await _world.WaitForSignalAsync(Signal("warm-1", "gm-2"), handle.PaneId);
        Assert.Equal([Signal("warm-1", "gm-1"), Signal("warm-1", "gm-2")], signals);
        Assert.Single(FileWait.Read(_world.ReceivedFile("warm-1")), l => l.StartsWith("started", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spawn_without_a_bead_starts_an_idle_member_that_takes_a_later_delivery()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("idle-1", Pool, "scripted", null));
        Assert.True(await plane.IsAliveAsync(handle));

        await plane.DeliverAsync(handle, Bead("gm-7"));

        await _world.WaitForSignalAsync(Signal("idle-1", "gm-7"), handle.PaneId);
    }

    [Theory]
    [InlineData("claude", "/clear", "--model " + TmuxWorld.Model)]
    [InlineData("shell-only", "clear", "")]
    public async Task Recycle_types_the_agents_clear_keystroke(string agent, string keys, string args)
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("recycle-1", Pool, agent, Bead("gm-1")));
        await _world.WaitForSignalAsync(Signal("recycle-1", "gm-1"), handle.PaneId);

        await plane.RecycleAsync(handle);

        var received = await _world.WaitForReceivedAsync("recycle-1", lines => lines.Contains(keys), $"the line \"{keys}\"", handle.PaneId);
        Assert.Equal($"started args={args} flavour=", received[0]);
        Assert.True(await plane.IsAliveAsync(handle));
    }

    [Fact]
    public async Task Recycle_sends_nothing_to_other_agents()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("recycle-2", Pool, "scripted", Bead("gm-1")));
        await _world.WaitForSignalAsync(Signal("recycle-2", "gm-1"), handle.PaneId);

        await plane.RecycleAsync(handle);
        // the terminal delivers input in order: once gm-2 is signalled, anything recycle typed has arrived
        await plane.DeliverAsync(handle, Bead("gm-2"));
        await _world.WaitForSignalAsync(Signal("recycle-2", "gm-2"), handle.PaneId);

        var received = FileWait.Read(_world.ReceivedFile("recycle-2"));
        Assert.DoesNotContain(received, l => l.Trim() is "clear" or "/clear");
    }

    [Fact]
    public async Task Stop_kills_the_pane_is_idempotent_and_a_later_delivery_fails_clearly()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("stop-1", Pool, "scripted", Bead("gm-1")));
        await _world.WaitForSignalAsync(Signal("stop-1", "gm-1"), handle.PaneId);

        await plane.StopAsync(handle);

        Assert.False(await plane.IsAliveAsync(handle));
        Assert.DoesNotContain(handle.PaneId!, _world.RunTmux("list-panes", "-a", "-F", "#{pane_id}").Output.Split('\n'));
        await plane.StopAsync(handle); // idempotent
        var error = await Assert.ThrowsAsync<TmuxPaneGoneException>(() => plane.DeliverAsync(handle, Bead("gm-2")));
        Assert.Contains($"pane {handle.PaneId} is gone", error.Message);
        await Assert.ThrowsAsync<TmuxPaneGoneException>(() => plane.RecycleAsync(handle));
    }

    [Fact]
    public async Task A_pane_killed_behind_the_planes_back_is_not_alive_and_delivery_throws()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("killed-1", Pool, "scripted", null));

        Assert.Equal(0, _world.RunTmux("kill-pane", "-t", handle.PaneId!).ExitCode);

        Assert.False(await plane.IsAliveAsync(handle));
        var error = await Assert.ThrowsAsync<TmuxPaneGoneException>(() => plane.DeliverAsync(handle, Bead("gm-1")));
        Assert.Contains($"pane {handle.PaneId} is gone", error.Message);
        Assert.Contains("killed-1", error.Message);
    }

    [Fact]
    public async Task After_a_tmux_server_restart_a_reused_pane_id_is_not_mistaken_for_the_old_session()
    {
        var plane = _world.CreatePlane();
        var old = await plane.SpawnAsync(new SpawnRequest("before-restart", Pool, "scripted", null));
        _world.RunTmux("kill-server");
        Assert.False(await plane.IsAliveAsync(old));
        await plane.StopAsync(old); // no server at all: still fine

        var fresh = await plane.SpawnAsync(new SpawnRequest("after-restart", Pool, "scripted", null));
        Assert.Equal(old.PaneId, fresh.PaneId); // tmux numbers panes from scratch

        Assert.False(await plane.IsAliveAsync(old));
        await plane.StopAsync(old);
        Assert.True(await plane.IsAliveAsync(fresh));
        await Assert.ThrowsAsync<TmuxPaneGoneException>(() => plane.DeliverAsync(old, Bead("gm-1")));
    }

    [Fact]
    public async Task An_unknown_agent_type_is_refused_naming_the_type_and_agents_toml()
    {
        var plane = _world.CreatePlane();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => plane.SpawnAsync(new SpawnRequest("s-1", Pool, "codex", Bead("gm-1"))));

        Assert.Contains("\"codex\"", error.Message);
        Assert.Contains("agents.toml", error.Message);
        Assert.Contains("scripted", error.Message);
    }

    [Theory]
    [InlineData("bad id")]
    [InlineData("-flag")]
    [InlineData("a;rm -rf")]
    [InlineData("")]
    public async Task Session_ids_that_are_not_names_are_refused(string sessionId)
    {
        var plane = _world.CreatePlane();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => plane.SpawnAsync(new SpawnRequest(sessionId, Pool, "scripted", null)));

        Assert.Contains("session id", error.Message);
    }

    [Fact]
    public async Task A_missing_tmux_says_how_to_install_it()
    {
        var plane = _world.CreatePlane(_world.Options with { TmuxExecutable = Path.Combine(_world.Root, "no-such-tmux") });

        var error = await Assert.ThrowsAsync<TmuxCommandException>(() => plane.SpawnAsync(new SpawnRequest("s-1", Pool, "scripted", null)));

        Assert.Contains("tmux not found: install tmux (apt-get install tmux)", error.Message);
    }

    [Fact]
    public async Task A_failing_tmux_command_is_named_with_its_exit_code_and_stderr()
    {
        // a tmux that always fails, to see what the error carries
        var fake = Path.Combine(_world.Root, "failing-tmux");
        TmuxWorld.WriteExecutable(fake, "#!/usr/bin/env bash\necho \"boom: $*\" >&2\nexit 3");
        var plane = _world.CreatePlane(_world.Options with { TmuxExecutable = fake });

        var error = await Assert.ThrowsAsync<TmuxCommandException>(() => plane.SpawnAsync(new SpawnRequest("s-1", Pool, "scripted", null)));

        Assert.Contains("failing-tmux -L " + _world.Socket + " new-session -d -s gemba", error.Message);
        Assert.Contains("exit code 3", error.Message);
        Assert.Contains("boom:", error.Message);
    }

    [Fact]
    public async Task A_hanging_tmux_call_times_out_naming_the_command()
    {
        var fake = Path.Combine(_world.Root, "hanging-tmux");
        TmuxWorld.WriteExecutable(fake, "#!/usr/bin/env bash\nexec sleep 30");
        var plane = _world.CreatePlane(_world.Options with { TmuxExecutable = fake, CommandTimeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<TmuxCommandException>(() => plane.IsAliveAsync(new SessionHandle("s-1", "native", "%1", null)));

        Assert.Contains("hanging-tmux -L " + _world.Socket + " display-message", error.Message);
        Assert.Contains("timed out after 0.3 s", error.Message);
    }
}
