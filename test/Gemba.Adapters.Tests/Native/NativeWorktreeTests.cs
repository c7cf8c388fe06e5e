using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>
/// Members' own git worktrees, against real git and real tmux: one worktree per member under
/// <c>.gemba/worktrees</c>, one branch per bead, bead-done checking only the member's files, and
/// nothing lost when a member ends.
/// </summary>
public sealed class NativeWorktreeTests : IDisposable
{
    private static readonly PoolKey Pool = new("local", "engineer");
    private readonly TmuxWorld _world = new(git: true);

    public void Dispose() => _world.Dispose();

    private static BeadAssignment Bead(string id, string? branch = null) =>
        new(id, $"Title of {id}", $"Work on bead {id}.\nWhen done run: gemba-state bead-done --bead {id}", [], [], "token-" + id, Branch: branch);

    private string Git(string directory, params string[] arguments) => TmuxWorld.Git(directory, arguments);

    internal static void AssertClean(WorktreeStatus status) =>
        Assert.True(status.IsClean, $"expected a clean worktree, got dirty: [{string.Join(", ", status.DirtyFiles)}] {status.Detail}");

    private string Branch(string sessionId) => Git(_world.WorktreeOf(sessionId), "symbolic-ref", "--short", "HEAD");

    private void Commit(string sessionId, string file, string message)
    {
        var worktree = _world.WorktreeOf(sessionId);
        File.WriteAllText(Path.Combine(worktree, file), message + "\n");
        Git(worktree, "add", file);
        Git(worktree, "commit", "--quiet", "-m", message);
    }

    [Fact]
    public async Task Two_members_get_their_own_worktrees_on_their_bead_branches_and_the_main_checkout_is_untouched()
    {
        var plane = _world.CreatePlane();
        var mainHead = Git(_world.Work, "rev-parse", "HEAD");

        var handles = await Task.WhenAll(
            plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1"))),
            plane.SpawnAsync(new SpawnRequest("eng-b", Pool, "scripted", Bead("gm-2"))));

        Assert.Equal("bead/gm-1", Branch("eng-a"));
        Assert.Equal("bead/gm-2", Branch("eng-b"));
        Assert.Equal(_world.WorktreeOf("eng-a"), (await _world.AgentEnvironmentAsync("eng-a", handles[0].PaneId))["pwd"]);
        Assert.Equal(_world.WorktreeOf("eng-b"), (await _world.AgentEnvironmentAsync("eng-b", handles[1].PaneId))["pwd"]);

        Commit("eng-a", "feature.txt", "work on gm-1");

        Assert.Equal("work on gm-1", Git(_world.Work, "log", "-1", "--format=%s", "bead/gm-1"));
        Assert.Equal(mainHead, Git(_world.Work, "rev-parse", "bead/gm-2"));
        Assert.Equal(mainHead, Git(_world.Work, "rev-parse", "HEAD"));
        Assert.Equal("main", Git(_world.Work, "symbolic-ref", "--short", "HEAD"));
        Assert.False(File.Exists(Path.Combine(_world.Work, "feature.txt")));
        Assert.False(File.Exists(Path.Combine(_world.WorktreeOf("eng-b"), "feature.txt")));
        // the worktrees live inside the checkout, yet its status stays clean: info/exclude, once
        Assert.Equal("", Git(_world.Work, "status", "--porcelain"));
        var exclude = File.ReadAllLines(Path.Combine(_world.Work, ".git", "info", "exclude"));
        Assert.All(GitWorkspace.ExcludePatterns, pattern => Assert.Single(exclude, l => l == pattern));
        Assert.Equal("", Git(_world.Work, "diff", "HEAD", "--", ".gitignore"));
    }

    [Fact]
    public async Task Bead_done_ignores_gemba_files_and_names_exactly_the_members_own_dirty_file()
    {
        var plane = _world.CreatePlane();
        var a = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));
        var b = await plane.SpawnAsync(new SpawnRequest("eng-b", Pool, "scripted", Bead("gm-2")));
        var worktreeA = _world.WorktreeOf("eng-a");
        // what gemba itself writes: the tracked JSONL, its lock, an edited pool.toml, a state directory
        File.AppendAllText(Path.Combine(worktreeA, ".beads", "issues.jsonl"), "{\"id\":\"gm-2\"}\n");
        File.WriteAllText(Path.Combine(worktreeA, ".beads", "issues.jsonl.lock"), "");
        File.AppendAllText(Path.Combine(worktreeA, ".gemba", "pool.toml"), "default_floor = 0.4\n");
        Directory.CreateDirectory(Path.Combine(worktreeA, ".gemba", "state"));
        File.WriteAllText(Path.Combine(worktreeA, ".gemba", "state", "gemba.db"), "x");
        // and the same in the main checkout, where the server really writes them
        File.AppendAllText(Path.Combine(_world.Work, ".beads", "issues.jsonl"), "{\"id\":\"gm-3\"}\n");

        AssertClean(await plane.CheckWorktreeAsync(a));

        File.WriteAllText(Path.Combine(worktreeA, "scratch.txt"), "uncommitted");

        var dirty = await plane.CheckWorktreeAsync(a);
        Assert.False(dirty.IsClean);
        Assert.Equal(["scratch.txt"], dirty.DirtyFiles);
        AssertClean(await plane.CheckWorktreeAsync(b));
    }

    [Fact]
    public async Task Warm_reuse_switches_to_the_next_beads_branch_from_the_base_discarding_only_gemba_files()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));
        Commit("eng-a", "one.txt", "gm-1 done");
        File.AppendAllText(Path.Combine(_world.WorktreeOf("eng-a"), ".beads", "issues.jsonl"), "{\"id\":\"local edit\"}\n");

        await plane.DeliverAsync(handle, Bead("gm-2"));

        Assert.Equal("bead/gm-2", Branch("eng-a"));
        Assert.Equal(Git(_world.Work, "rev-parse", "main"), Git(_world.WorktreeOf("eng-a"), "rev-parse", "HEAD"));
        Assert.False(File.Exists(Path.Combine(_world.WorktreeOf("eng-a"), "one.txt")));
        Assert.Equal("gm-1 done", Git(_world.Work, "log", "-1", "--format=%s", "bead/gm-1"));
        await _world.WaitForSignalAsync($"eng-a {TmuxWorld.Url} bead-done --bead gm-2", handle.PaneId);
    }

    [Fact]
    public async Task Warm_reuse_refuses_to_carry_uncommitted_work_to_another_bead()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));
        File.WriteAllText(Path.Combine(_world.WorktreeOf("eng-a"), "scratch.txt"), "half done");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => plane.DeliverAsync(handle, Bead("gm-2")));

        Assert.Contains("scratch.txt", error.Message);
        Assert.Contains("gm-2", error.Message);
        Assert.Equal("bead/gm-1", Branch("eng-a"));
        Assert.Equal("half done", File.ReadAllText(Path.Combine(_world.WorktreeOf("eng-a"), "scratch.txt")));
    }

    [Fact]
    public async Task A_redone_bead_reuses_its_branch_with_the_earlier_commit_and_a_declared_branch_is_used_as_named()
    {
        var plane = _world.CreatePlane();
        var first = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));
        Commit("eng-a", "partial.txt", "gm-1 first attempt");
        await plane.StopAsync(first); // the bead failed; its member ended

        var again = await plane.SpawnAsync(new SpawnRequest("eng-b", Pool, "scripted", Bead("gm-1")));

        Assert.Equal("bead/gm-1", Branch("eng-b"));
        Assert.Equal("gm-1 first attempt\n", File.ReadAllText(Path.Combine(_world.WorktreeOf("eng-b"), "partial.txt")));

        await plane.DeliverAsync(again, Bead("gm-9", branch: "feature/login"));
        Assert.Equal("feature/login", Branch("eng-b"));
    }

    [Fact]
    public async Task Stop_saves_uncommitted_work_in_a_stash_removes_the_worktree_and_keeps_the_branch()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));
        var worktree = _world.WorktreeOf("eng-a");
        Commit("eng-a", "done.txt", "committed part");
        File.WriteAllText(Path.Combine(worktree, "scratch.txt"), "untracked work");
        File.WriteAllText(Path.Combine(worktree, "README.md"), "edited readme\n");

        await plane.StopAsync(handle);

        Assert.False(Directory.Exists(worktree));
        Assert.DoesNotContain(worktree, Git(_world.Work, "worktree", "list", "--porcelain"));
        Assert.Equal("committed part", Git(_world.Work, "log", "-1", "--format=%s", "bead/gm-1"));
        Assert.Equal("On bead/gm-1: gemba: eng-a gm-1", Git(_world.Work, "stash", "list", "--format=%s"));
        Assert.Equal("edited readme", Git(_world.Work, "show", "stash@{0}:README.md"));
        Assert.Equal("untracked work", Git(_world.Work, "show", "stash@{0}^3:scratch.txt"));
        // the main checkout is as it was
        Assert.Equal("", Git(_world.Work, "status", "--porcelain"));
        await plane.StopAsync(handle); // idempotent
    }

    [Fact]
    public async Task Stop_of_a_clean_member_saves_nothing()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", null));
        File.WriteAllText(Path.Combine(_world.WorktreeOf("eng-a"), ".beads", "issues.jsonl.lock"), "");

        await plane.StopAsync(handle);

        Assert.False(Directory.Exists(_world.WorktreeOf("eng-a")));
        Assert.Equal("", Git(_world.Work, "stash", "list"));
    }

    [Fact]
    public async Task A_restarted_server_finds_the_members_worktree_and_primed_state_again()
    {
        var before = _world.CreatePlane();
        var handle = await before.SpawnAsync(new SpawnRequest("eng-a", Pool, "claude", Bead("gm-1")));
        await _world.WaitForSignalAsync($"eng-a {TmuxWorld.Url} bead-done --bead gm-1", handle.PaneId);

        var after = _world.CreatePlane(); // a new server process: nothing in memory
        File.WriteAllText(Path.Combine(_world.WorktreeOf("eng-a"), "scratch.txt"), "x");
        Assert.Equal(["scratch.txt"], (await after.CheckWorktreeAsync(handle)).DirtyFiles);
        File.Delete(Path.Combine(_world.WorktreeOf("eng-a"), "scratch.txt"));
        await after.DeliverAsync(handle, Bead("gm-2"));

        Assert.Equal("bead/gm-2", Branch("eng-a"));
        var received = await _world.WaitForReceivedAsync("eng-a", l => l.Any(x => x.Contains("bead-done --bead gm-2")), "bead gm-2", handle.PaneId);
        Assert.Single(received, l => l == TmuxWorld.PersonaPrompt); // still primed: the bead alone
    }

    [Fact]
    public async Task Bead_branches_start_from_the_base_branch_option()
    {
        Git(_world.Work, "switch", "--quiet", "-c", "release");
        File.WriteAllText(Path.Combine(_world.Work, "release.txt"), "release only\n");
        Git(_world.Work, "add", "release.txt");
        Git(_world.Work, "commit", "--quiet", "-m", "release commit");
        Git(_world.Work, "switch", "--quiet", "main");
        var plane = _world.CreatePlane(_world.Options with { BaseBranch = "release" });

        await plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", Bead("gm-1")));

        Assert.Equal(Git(_world.Work, "rev-parse", "release"), Git(_world.Work, "rev-parse", "bead/gm-1"));
        var missing = _world.CreatePlane(_world.Options with { BaseBranch = "no-such-branch" });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => missing.SpawnAsync(new SpawnRequest("eng-b", Pool, "scripted", null)));
        Assert.Contains("--base-branch no-such-branch", error.Message);
    }

    [Fact]
    public async Task A_detached_checkout_bases_bead_branches_on_its_commit()
    {
        var commit = Git(_world.Work, "rev-parse", "HEAD");
        Git(_world.Work, "switch", "--quiet", "--detach");
        var workspace = await GitWorkspace.DetectAsync(new GitCli(TimeSpan.FromSeconds(10), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), _world.Work, null);

        Assert.Equal(commit, workspace!.Base);
    }

    [Fact]
    public async Task A_broken_repository_fails_the_spawn_clearly_and_counts_as_dirty()
    {
        using var dir = new TempDirectory();
        // a .git file that points nowhere: git cannot read it, and a failed check must not lose work
        await File.WriteAllTextAsync(dir.Combine(".git"), "gitdir: /nonexistent/gemba/worktree\n");
        var plane = _world.CreatePlane(_world.Options with { WorkingDirectory = dir.Path });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => plane.SpawnAsync(new SpawnRequest("eng-a", Pool, "scripted", null)));
        var status = await plane.CheckWorktreeAsync(new SessionHandle("eng-a", "native", "%1", null));

        Assert.Contains("git cannot read it", error.Message);
        Assert.False(status.IsClean);
        Assert.Contains("git cannot read it", status.Detail);
    }
}

/// <summary>Outside git nothing changes for the operator: agents share the directory and bead-done finds it clean.</summary>
public sealed class NativeWithoutGitTests : IDisposable
{
    private readonly TmuxWorld _world = new(git: false);

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task A_project_that_is_not_a_git_repository_runs_agents_in_its_directory_and_is_always_clean()
    {
        var plane = _world.CreatePlane();
        var handle = await plane.SpawnAsync(new SpawnRequest("eng-a", new PoolKey("local", "engineer"), "scripted",
            new BeadAssignment("gm-1", "t", "Work on gm-1. gemba-state bead-done --bead gm-1", [], [], "c")));
        await File.WriteAllTextAsync(Path.Combine(_world.Work, "loose.txt"), "not versioned");

        Assert.Equal(_world.Work, (await _world.AgentEnvironmentAsync("eng-a", handle.PaneId))["pwd"]);
        NativeWorktreeTests.AssertClean(await plane.CheckWorktreeAsync(handle));
        Assert.False(Directory.Exists(Path.Combine(_world.Work, ".gemba")));
        await plane.StopAsync(handle);
        Assert.True(File.Exists(Path.Combine(_world.Work, "loose.txt")));
    }
}
