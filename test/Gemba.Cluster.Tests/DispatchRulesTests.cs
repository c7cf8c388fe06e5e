using Gemba.Cluster.Tests.Harness;
using Gemba.Dispatch;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

public sealed class DispatchRulesTests
{
    private static BeadSpec Bead(string id, int priority = 2, params (string Key, string Value)[] front) => new(id, $"Work {id}")
    {
        Priority = priority,
        Front = front.ToDictionary(f => f.Key, f => f.Value),
    };

    [Fact]
    public async Task Conflicting_beads_never_run_together_and_the_second_runs_after_the_first_is_done()
    {
        await using var gemba = await StartAsync();
        string[][] groups =
        [
            ["glob-1", "glob-2"],   // same files glob
            ["branch-1", "branch-2"], // same repo + branch
        ];
        var overlaps = new List<string>();
        gemba.Plane.HandedOver += h =>
        {
            var holders = gemba.Plane.Holders;
            foreach (var group in groups.Where(g => g.Contains(h.BeadId)))
                foreach (var other in group.Where(o => o != h.BeadId && holders.ContainsKey(o)))
                    lock (overlaps) overlaps.Add($"{h.BeadId} handed to {h.SessionId} while {other} was held by {holders[other]}");
        };
        // Beads first, then the config: whichever cycle runs first (the config's poke or ours) sees them all.
        await gemba.Beads.AddAsync(
            Bead("glob-1", 1, ("files", "src/shared/**/*.cs")),
            Bead("glob-2", 2, ("files", "src/shared/**/*.cs")),
            Bead("branch-1", 1, ("repo", "gemba"), ("branch", "feature-x")),
            Bead("branch-2", 2, ("repo", "gemba"), ("branch", "feature-x")),
            Bead("free-1", 3, ("files", "docs/readme.md")));
        await gemba.ApplyAsync(PoolConfig("dev", size: 4));

        await gemba.RunCycleAsync();
        await gemba.ExpectHandedOverAsync("glob-1", "branch-1", "free-1");
        Assert.Equal(DispatchOutcome.BlockedByConflict, (await gemba.LatestDecisionAsync("glob-2")).Outcome);
        Assert.Equal(DispatchOutcome.BlockedByConflict, (await gemba.LatestDecisionAsync("branch-2")).Outcome);

        // Cycles while the first of each pair is held change nothing for the second.
        for (var i = 0; i < 3; i++)
        {
            var again = await gemba.RunCycleAsync();
            Assert.Equal(0, again.Dispatched);
        }
        Assert.Equal(["branch-1", "free-1", "glob-1"], gemba.Plane.Handovers.Select(h => h.BeadId).Order());

        var glob1 = await gemba.HandoverOfAsync("glob-1");
        await gemba.DoneAsync(glob1.SessionId, "glob-1");
        var glob2 = await gemba.HandoverOfAsync("glob-2");   // the bead-done poke runs a cycle
        Assert.True(glob2.Sequence > glob1.Sequence);
        Assert.Equal("open", gemba.Beads.StatusOf("branch-2"));

        var branch1 = await gemba.HandoverOfAsync("branch-1");
        await gemba.DoneAsync(branch1.SessionId, "branch-1");
        await gemba.HandoverOfAsync("branch-2");

        await gemba.DrainAsync(["glob-1", "glob-2", "branch-1", "branch-2", "free-1"]);
        lock (overlaps) Assert.Empty(overlaps);
        Assert.Empty(gemba.Plane.Violations);
        Assert.All(new[] { "glob-2", "branch-2" }, id => Assert.Single(gemba.Plane.Handovers, h => h.BeadId == id));
    }

    [Fact]
    public async Task The_pool_never_grows_past_its_effective_size()
    {
        await using var gemba = await StartAsync();
        var maxMembers = 0;
        gemba.Plane.HandedOver += _ =>
            maxMembers = Math.Max(maxMembers, gemba.Plane.Calls.Where(c => c.Kind == PlaneCallKind.Spawn).Select(c => c.SessionId).Distinct().Count());
        var ids = Enumerable.Range(1, 8).Select(i => $"b-{i}").ToArray();
        await gemba.Beads.AddAsync([.. ids.Select((id, i) => Bead(id, priority: i < 2 ? 1 : 2))]);
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));

        await gemba.RunCycleAsync();
        await gemba.ExpectHandedOverAsync("b-1", "b-2");
        foreach (var id in ids.Skip(2))
            Assert.Equal(DispatchOutcome.BlockedByGate, (await gemba.LatestDecisionAsync(id)).Outcome);
        var view = await gemba.Pool("dev").GetView();
        Assert.Equal(2, view.Members.Count);

        await gemba.DrainAsync(ids);

        Assert.Equal(2, gemba.Plane.CallsOf(PlaneCallKind.Spawn).Select(c => c.SessionId).Distinct().Count());
        Assert.Equal(2, maxMembers);
        Assert.Equal(2, gemba.Plane.MaxConcurrentHolds);
        Assert.Equal(8, gemba.Plane.Handovers.Count);
        view = await gemba.Pool("dev").GetView();
        Assert.Equal(2, view.Members.Count);
        Assert.Empty(gemba.Plane.Violations);
    }

    [Fact]
    public async Task Max_concurrent_caps_how_many_members_work_at_once()
    {
        await using var gemba = await StartAsync();
        var ids = Enumerable.Range(1, 4).Select(i => $"c-{i}").ToArray();
        await gemba.Beads.AddAsync([.. ids.Select((id, i) => Bead(id, priority: i == 0 ? 1 : 2))]);
        await gemba.ApplyAsync(PoolConfig("dev", size: 4, maxConcurrent: 1));

        await gemba.RunCycleAsync();
        await gemba.ExpectHandedOverAsync("c-1");
        foreach (var id in ids.Skip(1))
        {
            var d = await gemba.LatestDecisionAsync(id);
            Assert.Equal((DispatchOutcome.BlockedByGate, true), (d.Outcome, d.Reason.Contains("max-concurrent", StringComparison.Ordinal)));
        }

        await gemba.DrainAsync(ids);

        Assert.Equal(1, gemba.Plane.MaxConcurrentHolds);
        Assert.Equal(4, gemba.Plane.Handovers.Count);
        Assert.Empty(gemba.Plane.Violations);
    }

    [Fact]
    public async Task In_flight_goes_down_on_bead_done_and_on_failure()
    {
        await using var gemba = await StartAsync();
        await gemba.Beads.AddAsync(Bead("a", 1), Bead("b", 2));
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));

        // Size 1: a runs, b waits at the gate.
        await gemba.RunCycleAsync();
        await gemba.ExpectHandedOverAsync("a");
        Assert.Equal(DispatchOutcome.BlockedByGate, (await gemba.LatestDecisionAsync("b")).Outcome);
        var m1 = (await gemba.HandoverOfAsync("a")).SessionId;

        // bead-done frees the slot: b goes to the same member (the bead-done poke runs the cycle).
        await gemba.DoneAsync(m1, "a");
        var b1 = await gemba.HandoverOfAsync("b");
        Assert.Equal((m1, false), (b1.SessionId, b1.Spawned));

        // The member fails holding b: b is open again and the failed member no longer counts.
        await gemba.FailAsync(m1, "b", "agent crashed");
        Assert.Equal(("open", null), (gemba.Beads.StatusOf("b"), gemba.Beads.AssigneeOf("b")));
        Assert.Equal(SessionStatus.Failed, (await gemba.SummaryAsync(m1)).Status);
        await gemba.RunCycleAsync(); // inside the retry backoff: b waits
        Assert.Single(gemba.Plane.Handovers, h => h.BeadId == "b");

        await gemba.AdvanceAsync(TimeSpan.FromSeconds(31));
        await gemba.RunCycleAsync();
        var b2 = await gemba.HandoverOfAsync("b", attempt: 2);
        Assert.NotEqual(m1, b2.SessionId);
        Assert.True(b2.Spawned, "the failed member's slot is free again, so the pool grows back to 1");
        var view = await gemba.Pool("dev").GetView();
        Assert.Equal([b2.SessionId], view.Members.Select(m => m.SessionId));
        Assert.Contains(view.Retired, r => r.SessionId == m1 && r.Status == SessionStatus.Failed);

        // And the pool keeps taking work afterwards.
        await gemba.DoneAsync(b2.SessionId, "b");
        await gemba.Beads.AddAsync(Bead("c"));
        await gemba.RunCycleAsync();
        var c = await gemba.HandoverOfAsync("c");
        Assert.Equal((b2.SessionId, false), (c.SessionId, c.Spawned));
        Assert.Equal("closed", gemba.Beads.StatusOf("b"));
    }

    /// <summary>A member's state as comparable text (the profile's maps compare by reference).</summary>
    private static string Fields(MemberSummary m) =>
        $"{m.Status} {m.CurrentBead} {m.LastBead} {m.BeadsDone} {m.BeadsSinceRecycle} {m.Incarnation} {m.StatusSince:O} " +
        string.Join(",", m.Profile.Concepts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")) + " " +
        string.Join(",", m.Profile.Files.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"));

    [Fact]
    public async Task A_bead_done_for_a_bead_the_session_does_not_hold_is_rejected_and_changes_nothing()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Bead("a", 1), Bead("b", 2));
        await gemba.RunCycleAsync();
        var m1 = (await gemba.HandoverOfAsync("a")).SessionId;
        var m2 = (await gemba.HandoverOfAsync("b")).SessionId;
        await gemba.DoneAsync(m1, "a");
        await gemba.Beads.AddAsync(Bead("c"));
        await gemba.RunCycleAsync();
        Assert.Equal(m1, (await gemba.HandoverOfAsync("c")).SessionId);

        var fileBefore = await File.ReadAllTextAsync(gemba.Beads.PathName);
        var m1Before = await gemba.SummaryAsync(m1);
        var m2Before = await gemba.SummaryAsync(m2);
        var callsBefore = gemba.Plane.Calls.Count;

        // m1 repeats bead-done for a, which it no longer holds (it works on c now).
        var stale = await gemba.Session(m1).BeadDone("a");
        // m2 reports a bead another member holds.
        var foreign = await gemba.Session(m2).BeadDone("c");
        // A late failure for a finished bead is fenced the same way.
        var staleFailure = await gemba.Session(m1).Fail("a", "late crash report");

        Assert.Equal((false, "working"), (stale.Accepted, stale.Status));
        Assert.Equal((false, "working"), (foreign.Accepted, foreign.Status));
        Assert.Equal((false, "working"), (staleFailure.Accepted, staleFailure.Status));
        Assert.Equal(Fields(m1Before), Fields(await gemba.SummaryAsync(m1)));
        Assert.Equal(Fields(m2Before), Fields(await gemba.SummaryAsync(m2)));
        Assert.Equal(fileBefore, await File.ReadAllTextAsync(gemba.Beads.PathName));
        Assert.Equal(callsBefore, gemba.Plane.Calls.Count);
        Assert.Equal(("in_progress", m1), (gemba.Beads.StatusOf("c"), gemba.Beads.AssigneeOf("c")));
        Assert.Equal(("in_progress", m2), (gemba.Beads.StatusOf("b"), gemba.Beads.AssigneeOf("b")));
    }
}
