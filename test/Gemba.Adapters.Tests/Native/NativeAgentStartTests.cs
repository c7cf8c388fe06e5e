using Gemba.Config;
using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>
/// How an agent is started and primed: its first prompt carries the persona and the preamble, it
/// gets that prompt only once its pane is ready, and a start that cannot work fails naming why.
/// </summary>
public sealed class NativeAgentStartTests : IDisposable
{
    private static readonly PoolKey Pool = new("local", "engineer");
    private readonly TmuxWorld _world = new();

    public void Dispose() => _world.Dispose();

    private static BeadAssignment Bead(string id) =>
        new(id, $"Title of {id}", $"Work on bead {id}.\nWhen done run: gemba-state bead-done --bead {id}", [], [], "token-" + id);

    private static string Signal(string sessionId, string beadId) => $"{sessionId} {TmuxWorld.Url} bead-done --bead {beadId}";

    private static int IndexOf(string[] lines, string line, int from = 0)
    {
        var index = Array.IndexOf(lines, line, from);
        Assert.True(index >= 0, $"expected the line \"{line}\" after line {from}; received:\n{string.Join('\n', lines)}");
        return index;
    }

    [Fact]
    public async Task A_fresh_context_gets_persona_preamble_and_bead_a_warm_one_the_bead_and_a_cleared_one_everything_again()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "claude", Bead("gm-1")));
        await _world.WaitForSignalAsync(Signal("eng-a", "gm-1"), handle.PaneId);

        var first = FileWait.Read(_world.ReceivedFile("eng-a"));
        var persona = IndexOf(first, TmuxWorld.PersonaPrompt);
        Assert.Equal(["", TmuxWorld.Preamble, "", "Work on bead gm-1."], first[(persona + 1)..(persona + 5)]);

        await plane.DeliverAsync(handle, Bead("gm-2"));
        await _world.WaitForSignalAsync(Signal("eng-a", "gm-2"), handle.PaneId);
        var warm = FileWait.Read(_world.ReceivedFile("eng-a"));
        var second = IndexOf(warm, "Work on bead gm-2.");
        Assert.Equal("When done run: gemba-state bead-done --bead gm-1", warm[second - 1]);
        Assert.Single(warm, l => l == TmuxWorld.PersonaPrompt);

        await plane.RecycleAsync(handle);
        await plane.DeliverAsync(handle, Bead("gm-3"));
        await _world.WaitForSignalAsync(Signal("eng-a", "gm-3"), handle.PaneId);
        var cleared = FileWait.Read(_world.ReceivedFile("eng-a"));
        var clear = IndexOf(cleared, "/clear", second);
        var again = IndexOf(cleared, TmuxWorld.PersonaPrompt, clear);
        Assert.Equal(["", TmuxWorld.Preamble, "", "Work on bead gm-3."], cleared[(again + 1)..(again + 5)]);
    }

    [Fact]
    public async Task Missing_persona_and_preamble_are_left_out_of_the_first_prompt()
    {
        var plane = _world.CreatePlane();

        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", new PoolKey("local", "no-such-persona"), "shell-only", Bead("gm-1")));

        var received = await _world.WaitForReceivedAsync("eng-a", l => l.Contains("Work on bead gm-1."), "bead gm-1", handle.PaneId);
        Assert.Equal("Work on bead gm-1.", received[1]);
    }

    [Fact]
    public async Task The_first_prompt_waits_for_the_agents_ready_pattern()
    {
        var plane = _world.CreatePlane();

        var handle = await plane.SpawnAsync(new SpawnRequest("slow-1", Pool, "slow", Bead("gm-1")));

        await _world.WaitForSignalAsync(Signal("slow-1", "gm-1"), handle.PaneId);
        var received = FileWait.Read(_world.ReceivedFile("slow-1"));
        Assert.DoesNotContain(received, l => l.StartsWith("early:", StringComparison.Ordinal));
        Assert.Contains("Work on bead gm-1.", received);
        Assert.Contains("READY", _world.RunTmux("capture-pane", "-p", "-t", handle.PaneId!).Output);
    }

    [Fact]
    public async Task Without_a_ready_pattern_the_same_slow_agent_gets_its_prompt_too_early()
    {
        // the control for the test above: settling alone cannot see that this agent is not listening yet
        var plane = _world.CreatePlane();

        var handle = await plane.SpawnAsync(new SpawnRequest("slow-2", Pool, "slow-no-pattern", Bead("gm-1")));

        await _world.WaitForSignalAsync(Signal("slow-2", "gm-1"), handle.PaneId);
        Assert.Contains(FileWait.Read(_world.ReceivedFile("slow-2")), l => l.StartsWith("early:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_ready_pattern_that_never_shows_fails_the_spawn_with_the_screen()
    {
        _world.Agents = AgentsRegistry.Parse($"""
            [[agent]]
            name = "scripted"
            binary = '{_world.AgentPath}'
            args = ['{_world.Root}']
            ready_pattern = "never shown"
            """, "agents.toml");
        var plane = _world.CreatePlane(_world.Options with { ReadyTimeout = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<AgentStartException>(() => plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1"))));

        Assert.Contains("/never shown/", error.Message);
        Assert.DoesNotContain("eng-a", _world.RunTmux("list-panes", "-a", "-F", "#{@gemba_session}").Output);
    }

    [Fact]
    public async Task A_binary_that_is_not_on_the_panes_path_is_named_with_the_path_searched()
    {
        var plane = _world.CreatePlane();

        var error = await Assert.ThrowsAsync<AgentStartException>(() => plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "missing", Bead("gm-1"))));

        Assert.Contains("agent \"missing\"", error.Message);
        Assert.Contains("\"gemba-no-such-agent\"", error.Message);
        Assert.Contains(_world.Bin, error.Message); // the pane's PATH, extra path first
    }

    [Fact]
    public async Task An_agent_that_exits_at_once_fails_the_spawn_with_its_command_and_output_and_leaves_no_pane()
    {
        var plane = _world.CreatePlane();

        var error = await Assert.ThrowsAsync<AgentStartException>(() => plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "failing", Bead("gm-1"))));

        Assert.Contains("fatal: no API key configured for eng-a", error.Message);
        // tmux may not have recorded the status yet on a loaded machine ("exit status ?"); the command and output are what matter
        Assert.Matches(@"exit status (3|\?)\)", error.Message);
        Assert.Contains("failing-agent", error.Message);
        Assert.DoesNotContain("eng-a", _world.RunTmux("list-panes", "-a", "-F", "#{@gemba_session}").Output);
    }

    [Fact]
    public async Task The_servers_token_reaches_the_pane_and_never_an_error_message()
    {
        const string token = "s3cret-token-4711";
        var plane = _world.CreatePlane(_world.Options with { Token = token });

        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", null));

        // agents.toml's GEMBA_TOKEN = "forged" is ignored: the server's token wins
        Assert.Equal(token, (await _world.AgentEnvironmentAsync("eng-a", handle.PaneId))["token"]);

        var fake = Path.Combine(_world.Root, "tmux-failing-new-window");
        TmuxWorld.WriteExecutable(fake, $"#!/usr/bin/env bash\nfor a in \"$@\"; do [[ $a == new-window ]] && {{ echo refused >&2; exit 1; }}; done\nexec '{_world.Tmux}' \"$@\"");
        var failing = _world.CreatePlane(_world.Options with { Token = token, TmuxExecutable = fake });
        var error = await Assert.ThrowsAsync<TmuxCommandException>(() => failing.SpawnAsync(new SpawnRequest("eng-b", Pool, "scripted", null)));
        Assert.Contains("GEMBA_TOKEN=***", error.Message);
        Assert.DoesNotContain(token, error.Message);
    }

    [Fact]
    public async Task An_edited_agents_toml_applies_to_the_next_spawn()
    {
        var plane = _world.CreatePlane();
        _world.Agents = AgentsRegistry.Parse($"""
            [[agent]]
            name = "scripted"
            binary = '{_world.AgentPath}'
            args = ['{_world.Root}']
            preamble_text = "Reloaded preamble."
            """, "agents.toml");

        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));

        var received = await _world.WaitForReceivedAsync("eng-a", l => l.Contains("Work on bead gm-1."), "bead gm-1", handle.PaneId);
        Assert.Contains("Reloaded preamble.", received);
        Assert.DoesNotContain(TmuxWorld.Preamble, received);
    }
}
