using Gemba.Beads;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Time.Testing;

namespace Gemba.Adapters.Tests;

public sealed class BdWorkPlaneTests : IDisposable
{
    private readonly FakeBd _bd = new();

    public void Dispose() => _bd.Dispose();

    private const string ReadyJson = """
        [
          {
            "id": "gm-1",
            "title": "Wire the grain",
            "status": "open",
            "priority": 1,
            "issue_type": "task",
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-02T08:00:00Z",
            "labels": [
              "backend"
            ],
            "dependencies": [
              {
                "issue_id": "gm-1",
                "depends_on_id": "gm-epic",
                "type": "parent-child",
                "created_at": "2026-05-01T10:00:00Z",
                "created_by": "alice",
                "metadata": "{}",
                "thread_id": ""
              }
            ],
            "dependency_count": 1,
            "dependent_count": 0,
            "comment_count": 0,
            "parent": "gm-epic",
            "brand_new_key": {
              "nested": [
                1,
                2
              ]
            }
          },
          {
            "id": "gm-2",
            "title": "No status key",
            "priority": 0,
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z"
          }
        ]
        """;

    private const string HeldJson = """
        [
          {
            "id": "gm-3",
            "title": "Being worked",
            "status": "in_progress",
            "priority": 2,
            "issue_type": "bug",
            "assignee": "gemba/engineer/s-1",
            "started_at": "2026-05-02T09:00:00Z",
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-02T09:00:00Z"
          },
          {
            "id": "gm-4",
            "title": "Slung by Gas Town",
            "status": "hooked",
            "priority": 2,
            "assignee": "gastown/polecats/furiosa",
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z"
          },
          {
            "id": "gm-5",
            "title": "Custom status",
            "status": "review",
            "priority": 3,
            "issue_type": "spike",
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z"
          },
          {
            "title": "An element without an id"
          }
        ]
        """;

    private static string ShowJson(string id, string? assignee, string status = "in_progress") => $$"""
        [
          {
            "id": "{{id}}",
            "title": "Wire the grain",
            "status": "{{status}}",
            "priority": 1,
            "issue_type": "task",
            {{(assignee is null ? "" : $"\"assignee\": \"{assignee}\",")}}
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-02T08:00:00Z",
            "dependencies": [
              {
                "id": "gm-epic",
                "title": "The epic",
                "status": "open",
                "priority": 1,
                "issue_type": "epic",
                "dependency_type": "parent-child"
              }
            ],
            "dependency_count": 1,
            "dependent_count": 0,
            "comment_count": 0
          }
        ]
        """;

    [Fact]
    public async Task Snapshot_parses_ready_and_held_beads_with_exact_arguments_and_BEADS_DIR()
    {
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", HeldJson);

        var snapshot = await _bd.Create().SnapshotAsync();

        Assert.Equal(["gm-1", "gm-2", "gm-3", "gm-4", "gm-5"], snapshot.Beads.Select(b => b.Id));
        var beads = snapshot.Beads.ToDictionary(b => b.Id);
        Assert.Equal("gm-epic", beads["gm-1"].Parent);
        Assert.Equal(["backend"], beads["gm-1"].Labels);
        Assert.Equal(BeadStatus.Open, beads["gm-2"].Status);
        Assert.Equal(BeadKinds.Task, beads["gm-2"].IssueType);
        Assert.Equal(0, beads["gm-2"].Priority);
        Assert.Equal("gemba/engineer/s-1", beads["gm-3"].Assignee);
        Assert.Equal(BeadStatus.Hooked, beads["gm-4"].Status);
        Assert.Equal("review", beads["gm-5"].Status);
        Assert.Single(snapshot.Problems);
        Assert.Contains("missing id", snapshot.Problems[0].Message);

        Assert.Equal(
            [["ready", "--json", "--limit", "0"], ["list", "--json", "--limit", "0", "--status", "in_progress,hooked"]],
            _bd.Calls);
        Assert.All(_bd.Environment, e => Assert.Equal($"BEADS_DIR={_bd.BeadsDir}\tBEADS_ACTOR=gemba", e));
    }

    [Fact]
    public async Task The_json_envelope_is_unwrapped()
    {
        _bd.UseEnvelope();
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", "[]");
        _bd.Respond("show-gm-1", ShowJson("gm-1", "alice"));

        var plane = _bd.Create();
        Assert.Equal(["gm-1", "gm-2"], (await plane.SnapshotAsync()).Beads.Select(b => b.Id));
        var bead = await plane.GetAsync("gm-1");
        Assert.Equal("alice", bead!.Assignee);
        Assert.Equal("gm-epic", bead.Parent); // show's full-issue dependency entries
    }

    [Fact]
    public async Task A_failing_held_list_is_a_problem_but_garbage_from_ready_is_an_error_naming_the_command()
    {
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", exit: 1, stderr: "Error: database is locked\n");
        var snapshot = await _bd.Create().SnapshotAsync();
        Assert.Equal(2, snapshot.Beads.Count);
        Assert.Contains(snapshot.Problems, p => p.Message.Contains("database is locked") && p.Where.StartsWith("bd list"));

        _bd.Respond("ready", "Segmentation fault (core dumped) <not json>");
        var ex = await Assert.ThrowsAsync<BdCommandException>(() => _bd.Create().SnapshotAsync());
        Assert.Contains("`bd ready --json --limit 0`", ex.Message);
        Assert.Contains("not JSON", ex.Message);
        Assert.Contains("exit code 0", ex.Message);
    }

    [Fact]
    public async Task Claim_success_passes_the_exact_argument_list()
    {
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "gemba/engineer/s-1"));

        var outcome = await _bd.Create().ClaimAsync("gm-1", "gemba/engineer/s-1");

        Assert.Equal(ClaimStatus.Claimed, outcome.Status);
        Assert.Equal([["update", "gm-1", "--claim", "--actor", "gemba/engineer/s-1", "--json"]], _bd.Calls);
        Assert.StartsWith($"BEADS_DIR={_bd.BeadsDir}\t", _bd.Environment.Single());
    }

    [Fact]
    public async Task Already_claimed_and_not_claimable_are_reported_from_stderr()
    {
        _bd.Respond("claim-gm-1", exit: 1, stderr: "Error claiming gm-1: issue already claimed by bob\n");
        _bd.Respond("claim-gm-2", exit: 1, stderr: "Error claiming gm-2: issue not claimable: status closed\n");

        var plane = _bd.Create();
        var taken = await plane.ClaimAsync("gm-1", "alice");
        Assert.Equal(ClaimStatus.AlreadyClaimed, taken.Status);
        Assert.Contains("already claimed by bob", taken.Message);

        var closed = await plane.ClaimAsync("gm-2", "alice");
        Assert.Equal(ClaimStatus.NotClaimable, closed.Status);
        Assert.Contains("status closed", closed.Message);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>", 0, "", "not JSON")]
    [InlineData("[]", 0, "", "did not return bead gm-1")]
    [InlineData("{\"error\":\"database is read only\",\"schema_version\":1}", 0, "", "database is read only")]
    [InlineData("", 3, "panic: runtime error: index out of range\ngoroutine 1 [running]:\n", "panic: runtime error")]
    public async Task Garbage_or_failure_is_never_a_claim_and_names_the_command(string stdout, int exit, string stderr, string expected)
    {
        _bd.Respond("claim-gm-1", stdout, exit, stderr);

        var outcome = await _bd.Create().ClaimAsync("gm-1", "alice");

        Assert.Equal(ClaimStatus.Error, outcome.Status);
        Assert.False(outcome.Succeeded);
        Assert.Contains("`bd update gm-1 --claim --actor alice --json`", outcome.Message);
        Assert.Contains($"exit code {exit}", outcome.Message);
        Assert.Contains(expected, outcome.Message);
        Assert.DoesNotContain("goroutine", outcome.Message); // first stderr line only
    }

    [Fact]
    public async Task A_claim_returning_another_assignee_is_not_a_claim()
    {
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "bob"));
        var outcome = await _bd.Create().ClaimAsync("gm-1", "alice");
        Assert.Equal(ClaimStatus.Error, outcome.Status);
        Assert.Contains("bob", outcome.Message);
    }

    [Fact]
    public async Task A_missing_executable_is_a_clear_error()
    {
        var missing = Path.Combine(_bd.BeadsDir, "no-such-dir", "bd");
        var plane = _bd.Create(missing);

        var ex = await Assert.ThrowsAsync<BdCommandException>(() => plane.SnapshotAsync());
        Assert.Equal($"bd executable not found: {missing}", ex.Message);

        var outcome = await plane.ClaimAsync("gm-1", "alice");
        Assert.Equal(ClaimStatus.Error, outcome.Status);
        Assert.Equal($"bd executable not found: {missing}", outcome.Message);
    }

    [Fact]
    public async Task Close_requires_the_holder()
    {
        _bd.Respond("show-gm-1", ShowJson("gm-1", "bob"));
        _bd.Respond("close-gm-1", ShowJson("gm-1", "alice", "closed"));
        var plane = _bd.Create();

        Assert.False(await plane.CloseAsync("gm-1", "alice", "done"));
        Assert.DoesNotContain(_bd.Calls, c => c[0] == "close");

        _bd.Respond("show-gm-1", ShowJson("gm-1", "alice"));
        Assert.True(await plane.CloseAsync("gm-1", "alice", "all tests pass"));
        Assert.Equal(["close", "gm-1", "--reason", "all tests pass", "--actor", "alice", "--json"], _bd.Calls[^1]);
    }

    [Fact]
    public async Task Release_checks_the_holder_and_clears_the_assignee()
    {
        _bd.Respond("show-gm-1", ShowJson("gm-1", "alice"));
        _bd.Respond("update-gm-1", ShowJson("gm-1", null, "open"));
        var plane = _bd.Create();

        Assert.False(await plane.ReleaseAsync("gm-1", "bob"));
        Assert.True(await plane.ReleaseAsync("gm-1", "alice"));
        Assert.Equal(["update", "gm-1", "--status", "open", "--assignee", "", "--actor", "alice", "--json"], _bd.Calls[^1]);
    }

    [Fact]
    public async Task The_board_lists_every_status_and_an_operator_moves_only_beads_no_session_holds()
    {
        _bd.Respond("list", HeldJson);
        _bd.Respond("show-gm-1", ShowJson("gm-1", "alice"));
        _bd.Respond("show-gm-2", ShowJson("gm-2", null, "open"));
        _bd.Respond("show-gm-3", ShowJson("gm-3", null, "closed"));
        _bd.Respond("close-gm-2", ShowJson("gm-2", null, "closed"));
        _bd.Respond("reopen-gm-3", ShowJson("gm-3", null, "open"));
        var plane = _bd.Create();

        Assert.NotEmpty(await plane.ListAllAsync());
        Assert.Equal(["list", "--json", "--flat", "--limit", "0", "--status", "all"], _bd.Calls[^1]);

        Assert.False(await plane.SetStatusAsync("gm-1", "closed", "done by hand"));
        Assert.DoesNotContain(_bd.Calls, c => c[0] == "close");
        Assert.True(await plane.SetStatusAsync("gm-2", "closed", "done by hand"));
        Assert.Equal(["close", "gm-2", "--reason", "done by hand", "--json"], _bd.Calls[^1]);
        Assert.True(await plane.SetStatusAsync("gm-3", "open"));
        Assert.Equal(["reopen", "gm-3", "--json"], _bd.Calls[^1]);
        await Assert.ThrowsAsync<ArgumentException>(() => plane.SetStatusAsync("gm-2", "blocked"));
    }

    [Fact]
    public async Task Get_of_an_unknown_id_is_null_and_labels_use_label_add()
    {
        _bd.Respond("label-gm-1", """
            [
              {
                "status": "added",
                "issue_id": "gm-1",
                "label": "needs-review"
              }
            ]
            """);
        var plane = _bd.Create();

        Assert.Null(await plane.GetAsync("gm-404"));
        await plane.AddLabelAsync("gm-1", "needs-review");
        Assert.Equal(["label", "add", "gm-1", "needs-review", "--json"], _bd.Calls[^1]);
        await plane.RemoveLabelAsync("gm-1", "gemba:parked");
        Assert.Equal(["label", "remove", "gm-1", "gemba:parked", "--json"], _bd.Calls[^1]);

        _bd.Respond("label-gm-2", exit: 1, stderr: "Error: issue gm-2 is pinned\n");
        var ex = await Assert.ThrowsAsync<BdCommandException>(() => plane.AddLabelAsync("gm-2", "x"));
        Assert.Contains("`bd label add gm-2 x --json` failed (exit code 1): Error: issue gm-2 is pinned", ex.Message);
    }

    [Fact]
    public async Task Calls_for_one_beads_directory_never_overlap()
    {
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", "[]");
        var planes = Enumerable.Range(0, 3).Select(_ => _bd.Create()).ToArray();
        await Task.WhenAll(planes.Select(p => p.SnapshotAsync()));
        // serialised calls append whole lines in order: three ready/list pairs, each line intact
        Assert.Equal(6, _bd.Calls.Count);
        Assert.All(_bd.Calls, c => Assert.Contains(c[0], new[] { "ready", "list" }));
    }

    [Fact]
    public void Beads_database_detection_and_path_lookup()
    {
        Assert.True(BdWorkPlane.LooksLikeBeadsDatabase(_bd.BeadsDir));
        using (var bare = new FakeBd(database: false))
        {
            Assert.False(BdWorkPlane.LooksLikeBeadsDatabase(bare.BeadsDir));
            Directory.CreateDirectory(Path.Combine(bare.BeadsDir, "embeddeddolt"));
            Assert.True(BdWorkPlane.LooksLikeBeadsDatabase(bare.BeadsDir));
        }

        Assert.Equal(_bd.Executable, BdWorkPlane.FindOnPath(_bd.Executable));
        Assert.Null(BdWorkPlane.FindOnPath(Path.Combine(_bd.BeadsDir, "bd")));
        Assert.NotNull(BdWorkPlane.FindOnPath("bash"));
        Assert.Null(BdWorkPlane.FindOnPath("surely-not-a-real-command-gemba"));
        Assert.Equal("bd update gm-1 --status open --assignee \"\" --reason \"two words\"",
            BdWorkPlane.DisplayCommandLine(["update", "gm-1", "--status", "open", "--assignee", "", "--reason", "two words"]));
    }

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private const string LockMessage = "another process holds the exclusive lock";

    [Fact]
    public async Task A_claim_that_finds_the_database_locked_is_retried_until_bd_answers()
    {
        _bd.LockFor("claim-gm-1", 3);
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "alice"));

        var outcome = await _bd.Create().ClaimAsync("gm-1", "alice");

        Assert.Equal(ClaimStatus.Claimed, outcome.Status);
        Assert.Equal(4, _bd.Calls.Count);
        Assert.All(_bd.Calls, c => Assert.Equal(["update", "gm-1", "--claim", "--actor", "alice", "--json"], c));
    }

    [Fact]
    public async Task The_backoff_waits_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var started = time.GetUtcNow();
        _bd.LockFor("claim-gm-1", 2);
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "alice"));

        var claim = _bd.Create(lockRetry: BdLockRetry.Default, time: time).ClaimAsync("gm-1", "alice");
        // Default waits 100 ms then 200 ms; only the fake clock moving lets the claim through.
        for (var step = 0; !claim.IsCompleted && step < 500; step++)
        {
            await Task.WhenAny(claim, Task.Delay(10));
            if (!claim.IsCompleted) time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.True(claim.IsCompleted, "the claim did not get past two lock failures while the fake clock advanced 25 s");
        Assert.Equal(ClaimStatus.Claimed, (await claim).Status);
        Assert.Equal(3, _bd.Calls.Count);
        Assert.InRange(time.GetUtcNow() - started, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(25));
    }

    [Fact]
    public async Task A_snapshot_waits_out_the_lock_too()
    {
        _bd.LockFor("ready", 2);
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", "[]");

        var snapshot = await _bd.Create().SnapshotAsync();

        Assert.Equal(["gm-1", "gm-2"], snapshot.Beads.Select(b => b.Id));
        Assert.Empty(snapshot.Problems);
        Assert.Equal(["ready", "ready", "ready", "list"], _bd.Calls.Select(c => c[0]));
    }

    [Fact]
    public async Task A_lock_that_outlasts_the_bound_fails_naming_the_command_and_claims_nothing()
    {
        _bd.LockFor("claim-gm-1", 1_000);
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "alice")); // what bd would answer once the lock is free

        var outcome = await _bd.Create().ClaimAsync("gm-1", "alice");

        Assert.Equal(ClaimStatus.Error, outcome.Status);
        Assert.False(outcome.Succeeded);
        Assert.Contains("`bd update gm-1 --claim --actor alice --json`", outcome.Message);
        Assert.Contains("locked by another bd process", outcome.Message);
        Assert.Contains(LockMessage, outcome.Message);
        // QuickRetry waits 10, 20, 40, then 50 ms six times (370 ms); one more wait would pass 400 ms
        Assert.Equal(10, _bd.Calls.Count);
        // the fake never got past the lock: no write reached the database
        Assert.False(File.Exists(Path.Combine(_bd.BeadsDir, "interactions.jsonl")));
        Assert.False(File.Exists(Path.Combine(_bd.BeadsDir, "last-touched")));
    }

    [Theory]
    [InlineData("Error: database is locked")]
    [InlineData("Error: lock busy (another bd is migrating)")]
    [InlineData("Error: database is read only")]
    public async Task Other_lock_texts_are_retried_within_the_bound_then_fail_clearly(string stderr)
    {
        _bd.Respond("label-gm-1", exit: 1, stderr: stderr + "\n");

        var ex = await Assert.ThrowsAsync<BdCommandException>(() => _bd.Create().AddLabelAsync("gm-1", "x"));

        Assert.Contains("`bd label add gm-1 x --json` found the beads database locked", ex.Message);
        Assert.Contains(stderr, ex.Message);
        Assert.Equal(10, _bd.Calls.Count);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        _bd.Respond("label-gm-1", exit: 1, stderr: "Error: issue gm-1 is pinned\n");
        await Assert.ThrowsAsync<BdCommandException>(() => _bd.Create().AddLabelAsync("gm-1", "x"));
        Assert.Single(_bd.Calls);
    }

    [Fact]
    public async Task A_write_by_an_outside_bd_raises_Changed_without_any_tick()
    {
        var plane = _bd.Create();
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        plane.Changed += () => changed.TrySetResult();
        _bd.Respond("update-gm-9", ShowJson("gm-9", null, "open"));

        var outside = await _bd.RunOutsideAsync("update", "gm-9", "--status", "open", "--json");
        Assert.Equal(0, outside.ExitCode);

        var raised = await Task.WhenAny(changed.Task, Task.Delay(WaitLimit));
        Assert.True(raised == changed.Task, $"Changed did not fire within {WaitLimit.TotalSeconds:0} s of an outside `bd update` that wrote {_bd.BeadsDir}");
    }

    [Fact]
    public async Task An_outside_write_just_before_one_of_our_writes_is_still_announced()
    {
        // A debounce far beyond the wait: only the start of our own claim can notice the outside write,
        // which that claim's own fingerprint would otherwise swallow.
        var plane = _bd.Create(changeDebounce: TimeSpan.FromMinutes(5));
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        plane.Changed += () => changed.TrySetResult();
        _bd.Respond("update-gm-9", ShowJson("gm-9", null, "open"));
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "s-1"));

        Assert.Equal(0, (await _bd.RunOutsideAsync("update", "gm-9", "--status", "open", "--json")).ExitCode);
        Assert.True((await plane.ClaimAsync("gm-1", "s-1")).Succeeded);

        var raised = await Task.WhenAny(changed.Task, Task.Delay(WaitLimit));
        Assert.True(raised == changed.Task, "Changed did not fire for an outside write that landed just before our claim");
    }

    [Fact]
    public async Task Our_own_calls_never_raise_Changed_but_the_next_outside_write_does_once()
    {
        var plane = _bd.Create();
        var changes = 0;
        plane.Changed += () => Interlocked.Increment(ref changes);
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", "[]");
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "s-1"));
        _bd.Respond("show-gm-1", ShowJson("gm-1", "s-1"));
        _bd.Respond("close-gm-1", ShowJson("gm-1", "s-1", "closed"));
        _bd.Respond("label-gm-1", "[]");
        _bd.Respond("update-gm-9", ShowJson("gm-9", null, "open"));

        await plane.SnapshotAsync();
        Assert.True((await plane.ClaimAsync("gm-1", "s-1")).Succeeded);
        await plane.AddLabelAsync("gm-1", "needs-review");
        Assert.True(await plane.CloseAsync("gm-1", "s-1", "done"));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_bd.BeadsDir, "embeddeddolt", "beads", ".dolt", "noms", "journal.idx")).Length);

        // The outside write comes after every event of ours, so once the feed has judged it, any
        // Changed owed to our own writes would have been raised as well.
        Assert.Equal(0, (await _bd.RunOutsideAsync("update", "gm-9", "--status", "open", "--json")).ExitCode);
        var deadline = DateTime.UtcNow + WaitLimit;
        while (Volatile.Read(ref changes) == 0 || plane.Feed.HasUnjudgedChanges)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the feed did not judge the outside write within {WaitLimit.TotalSeconds:0} s (Changed raised {changes} time(s))");
            await Task.Delay(20);
        }
        Assert.Equal(1, Volatile.Read(ref changes));
    }

    private void RespondForCycles()
    {
        _bd.Respond("ready", ReadyJson);
        _bd.Respond("list", "[" + ShowJson("gm-3", "gemba/engineer/s-9").Trim().TrimStart('[').TrimEnd(']') + "]");
        _bd.Respond("claim-gm-1", ShowJson("gm-1", "s-1"));
        _bd.Respond("show-gm-1", ShowJson("gm-1", "s-1"));
        _bd.Respond("close-gm-1", ShowJson("gm-1", "s-1", "closed"));
        _bd.Respond("update-gm-9", ShowJson("gm-9", null, "open"));
    }

    [Fact]
    public async Task While_nobody_else_writes_a_cycle_costs_one_ready_and_our_own_claims_fence_the_close()
    {
        RespondForCycles();
        var plane = _bd.Create();

        Assert.Equal(["gm-1", "gm-2", "gm-3"], (await plane.SnapshotAsync()).Beads.Select(b => b.Id));
        Assert.True((await plane.ClaimAsync("gm-1", "s-1")).Succeeded);
        var afterClaim = await plane.SnapshotAsync();
        Assert.True(await plane.CloseAsync("gm-1", "s-1", "done"));
        var afterClose = await plane.SnapshotAsync();

        Assert.Equal(["ready", "list", "update", "ready", "close", "ready"], _bd.Calls.Select(c => c[0]));
        // the fake's ready set does not move, so what we know shows in the held part: gm-1 is ours
        var held = afterClaim.Beads.Where(b => b.Status == BeadStatus.InProgress).ToDictionary(b => b.Id, b => b.Assignee);
        Assert.Equal("gemba/engineer/s-9", held["gm-3"]);
        Assert.DoesNotContain(afterClose.Beads, b => b.Status == BeadStatus.InProgress && b.Id == "gm-1");
    }

    [Fact]
    public async Task After_an_outside_write_the_plane_asks_bd_again()
    {
        RespondForCycles();
        var plane = _bd.Create();
        await plane.SnapshotAsync();
        Assert.True((await plane.ClaimAsync("gm-1", "s-1")).Succeeded);

        Assert.Equal(0, (await _bd.RunOutsideAsync("update", "gm-9", "--status", "open", "--json")).ExitCode);
        var callsBefore = _bd.Calls.Count;
        await plane.SnapshotAsync();
        Assert.True(await plane.CloseAsync("gm-1", "s-1", "done"));

        Assert.Equal(["ready", "list", "show", "close"], _bd.Calls.Skip(callsBefore).Select(c => c[0]));
    }

    [Fact]
    public async Task A_refused_claim_or_a_database_outside_the_directory_means_no_shortcut()
    {
        RespondForCycles();
        _bd.Respond("claim-gm-2", exit: 1, stderr: "Error claiming gm-2: issue already claimed by bob\n");
        var plane = _bd.Create();
        await plane.SnapshotAsync();
        Assert.Equal(ClaimStatus.AlreadyClaimed, (await plane.ClaimAsync("gm-2", "s-1")).Status);
        await plane.SnapshotAsync();
        Assert.Equal(["ready", "list", "update", "ready", "list"], _bd.Calls.Select(c => c[0]));

        using var server = new FakeBd(database: false); // e.g. a Dolt server whose data lives elsewhere
        server.Respond("ready", "[]");
        server.Respond("list", "[]");
        var remote = server.Create();
        await remote.SnapshotAsync();
        await remote.SnapshotAsync();
        Assert.Equal(["ready", "list", "ready", "list"], server.Calls.Select(c => c[0]));
    }
}
