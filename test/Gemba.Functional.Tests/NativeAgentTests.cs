using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>
/// The native quickstart as an operator runs it: <c>./gemba serve --orchestration native</c> through the
/// launcher, in a git repository laid out like a beads project, agents in real tmux panes calling the
/// <c>gemba-state</c> they find on PATH. Waits poll the real process (files, HTTP) under a deadline.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NativeAgentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_members_work_in_parallel_in_their_own_worktrees_each_bead_on_its_branch_and_a_dirty_one_escalates_while_the_other_goes_on()
    {
        string[] ids = ["w-1", "w-2", "w-3", "w-4", "w-5", "w-6", "w-7"];
        using var project = new BeadsProject(poolSize: 2, ids.Select((id, i) => BeadsProject.Bead(id, priority: id == "w-1" ? 0 : 2)));
        project.LeaveDirtyOnce("w-1");
        await using var run = await Run.StartAsync(project, token: "s3cret");

        // w-1 goes first; its agent reports bead-done with scratch-w-1.txt left over.
        var escalation = await run.WaitForAsync(async () =>
        {
            var list = await run.Http.GetFromJsonAsync<JsonElement>("api/escalations");
            return list.GetProperty("open").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("bead_id").GetString() == "w-1");
        }, "an open escalation for w-1's dirty bead-done");
        Assert.Equal("dirty_worktree", escalation.GetProperty("kind").GetString());
        Assert.Equal(["scratch-w-1.txt"], escalation.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        // gemba-state told the agent no (the escalation can be listed a moment before the agent logs the refusal).
        await run.WaitForAsync(() => project.AgentLog.Contains("dirty refused w-1"), "the agent's gemba-state refused for the dirty worktree");

        // The other member goes on with everything else while w-1's member waits.
        await run.WaitForAsync(() => ids.Skip(1).All(id => project.StatusOf(id) == "closed"), "w-2..w-7 closed by the other member");
        Assert.Equal("in_progress", project.StatusOf("w-1"));
        var holder = await run.SessionHoldingAsync("w-1");
        Assert.Equal("dirty_worktree", holder.GetProperty("escalation").GetProperty("kind").GetString());

        await project.ReleaseAsync("w-1");
        await run.WaitForAsync(() => project.StatusOf("w-1") == "closed", "w-1 closed once its worktree is clean");
        await run.WaitForAsync(async () => (await run.Http.GetFromJsonAsync<JsonElement>("api/escalations")).GetProperty("open").GetArrayLength() == 0,
            "the escalation resolved by the clean bead-done");

        foreach (var id in ids)
        {
            // Each bead's branch holds exactly its own file on top of main.
            Assert.Equal($"work/{id}.txt", project.Git("diff", "--name-only", "main", $"bead/{id}").Trim());
        }
        var sessions = (await run.Http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count(s => s.GetProperty("beads_done").GetInt32() > 0));
        var worktrees = project.AgentLog.Split('\n').Where(l => l.Contains(" took ")).Select(l => l[(l.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..]).Distinct().ToList();
        Assert.Equal(2, worktrees.Count);
        Assert.All(worktrees, w => Assert.StartsWith(Path.Combine(project.Repo, ".gemba", "worktrees") + "/", w));
        // The operator's checkout stays on main and never sees an agent's file.
        Assert.Equal("main", project.Git("rev-parse", "--abbrev-ref", "HEAD").Trim());
        Assert.False(Directory.Exists(Path.Combine(project.Repo, "work")));
        // gemba's runtime files (worktrees, state, the bead file's lock) are excluded; only the tracked bead file changed.
        Assert.Equal(" M .beads/issues.jsonl", project.Git("status", "--porcelain").TrimEnd());
    }

    [Fact]
    public async Task A_killed_pane_fails_its_member_and_the_bead_is_redone_and_a_restart_adopts_the_panes_and_a_bead_done_sent_while_down_lands()
    {
        using var project = new BeadsProject(poolSize: 2, [BeadsProject.Bead("k-1", 0), BeadsProject.Bead("r-1", 0), BeadsProject.Bead("n-1"), BeadsProject.Bead("n-2")]);
        project.HoldOnce("k-1");
        project.HoldOnce("r-1");
        var run = await Run.StartAsync(project);
        try
        {
            await run.WaitForAsync(() => project.AgentLog.Contains("holding k-1") && project.AgentLog.Contains("holding r-1"), "both members holding their bead");
            var killed = await run.SessionHoldingAsync("k-1");
            run.Tmux("kill-pane", "-t", killed.GetProperty("pane_id").GetString()!);
            await run.WaitForAsync(() => project.StatusOf("k-1") == "closed", "k-1 redone by another member after its pane was killed");
            var first = await run.SessionAsync(killed.GetProperty("session_id").GetString()!);
            Assert.Equal("failed", first.GetProperty("status").GetString());
            Assert.Equal(2, project.AgentLog.Split('\n').Count(l => l.Contains(" took k-1 ")));

            // Restart while r-1's agent still works; it reports bead-done while the server is down.
            var survivor = (await run.SessionHoldingAsync("r-1")).GetProperty("session_id").GetString()!;
            run = await run.RestartAsync(whileDown: () => project.ReleaseAsync("r-1"));
            await run.WaitForAsync(() => project.StatusOf("r-1") == "closed", "r-1 closed by the bead-done sent while the server was down");
            await run.WaitForAsync(() => project.StatusOf("n-1") == "closed" && project.StatusOf("n-2") == "closed", "the other beads closed after the restart");
            var adopted = await run.SessionAsync(survivor);
            Assert.Equal("ready", adopted.GetProperty("status").GetString());
            Assert.True(adopted.GetProperty("beads_done").GetInt32() >= 1);
            // the agent logs after its gemba-state returns, which can be after the server closed the bead
            await run.WaitForAsync(() => project.AgentLog.Contains($"{survivor} done r-1"), $"{survivor}'s agent logging r-1 done");
            // gemba-state met the server down and retried instead of giving up.
            Assert.Contains("retrying for up to", project.AgentLog);
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    /// <summary>One <c>./gemba serve</c> of a project, its HTTP client and its tmux socket.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly BeadsProject _project;
        private readonly string[] _args;
        private readonly string? _token;
        private GembaProcess _gemba;

        private Run(BeadsProject project, string[] args, string? token, string socket, int port, GembaProcess gemba)
        {
            _project = project;
            _args = args;
            _token = token;
            Socket = socket;
            Port = port;
            _gemba = gemba;
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            if (token is not null) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        public HttpClient Http { get; }

        public string Socket { get; }

        public int Port { get; }

        public static async Task<Run> StartAsync(BeadsProject project, string? token = null)
        {
            var socket = $"gemba-ft-{Guid.NewGuid():N}"[..20];
            var port = GembaProcess.FreePort();
            // The README's native command, plus a private tmux socket and a fast backstop tick.
            List<string> args = ["serve", "--beads-dir", ".beads", "--orchestration", "native", "--pool-config", ".gemba/pool.toml",
                "--port", port.ToString(), "--tmux-socket", socket, "--tick", "1"];
            if (token is not null) args.AddRange(["--token", token]);
            var run = new Run(project, [.. args], token, socket, port, GembaProcess.Start(project.Repo, null, [.. args]));
            await run.WaitUpAsync();
            return run;
        }

        /// <summary>Stops the server (the tmux server and its agents live on), runs <paramref name="whileDown"/>, starts it again.</summary>
        public async Task<Run> RestartAsync(Func<Task> whileDown)
        {
            await _gemba.DisposeAsync();
            await whileDown();
            var next = new Run(_project, _args, _token, Socket, Port, GembaProcess.Start(_project.Repo, null, _args));
            await next.WaitUpAsync();
            Http.Dispose();
            return next;
        }

        private async Task WaitUpAsync() =>
            await WaitForAsync(async () =>
            {
                try { return (await Http.GetAsync("healthz")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, "gemba answering /healthz");

        public async Task<JsonElement> SessionAsync(string id) => await Http.GetFromJsonAsync<JsonElement>($"api/sessions/{id}");

        public async Task<JsonElement> SessionHoldingAsync(string beadId) =>
            await WaitForAsync(async () => (await Http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions").EnumerateArray()
                .Cast<JsonElement?>().FirstOrDefault(s => s!.Value.TryGetProperty("bead_id", out var b) && b.GetString() == beadId), $"a session holding {beadId}");

        public void Tmux(params string[] args)
        {
            var info = new ProcessStartInfo("tmux") { RedirectStandardError = true };
            foreach (var a in (string[])["-L", Socket, .. args]) info.ArgumentList.Add(a);
            using var tmux = Process.Start(info)!;
            tmux.WaitForExit(10_000);
            if (tmux.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {tmux.StandardError.ReadToEnd()}");
        }

        public Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

        public async Task WaitForAsync(Func<Task<bool>> condition, string what) =>
            await WaitForAsync<bool>(async () => await condition() ? true : null, what);

        public async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what) where T : struct
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (_gemba.HasExited) Assert.Fail($"gemba exited while waiting for {what}.\n{Describe()}");
                if (await probe() is { } value) return value;
                if (deadline.Elapsed > Deadline) Assert.Fail($"timed out after {Deadline.TotalSeconds:0} s waiting for {what}.\n{Describe()}");
                await Task.Delay(100);
            }
        }

        private string Describe() =>
            $"--- beads\n{File.ReadAllText(_project.BeadsFile)}\n--- agent log\n{_project.AgentLog}\n--- gemba stdout\n{_gemba.Stdout}\n--- gemba stderr\n{_gemba.Stderr}";

        public async ValueTask DisposeAsync()
        {
            await _gemba.DisposeAsync();
            Http.Dispose();
            try { Tmux("kill-server"); } catch (InvalidOperationException) { }
        }
    }
}
