using Gemba.Cluster.Tests.Harness;
using Gemba.Dispatch;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

public sealed class LifecycleTests
{
    private static BeadSpec Topic(string id, string topic, int priority = 2) => new(id, $"{topic} work {id}")
    {
        Priority = priority,
        Labels = [topic],
        Front = new Dictionary<string, string> { ["files"] = $"src/{topic}/{id}.cs" },
    };

    /// <summary>Two members, one warm on auth and one on billing, in a pool of two (it cannot grow).</summary>
    private static async Task<(string Auth, string Billing)> WarmTwoMembers(GembaTestCluster gemba)
    {
        await gemba.Beads.AddAsync(Topic("auth-1", "auth", 1), Topic("bill-1", "billing", 1));
        await gemba.RunCycleAsync();
        var a = (await gemba.HandoverOfAsync("auth-1")).SessionId;
        var b = (await gemba.HandoverOfAsync("bill-1")).SessionId;
        await gemba.DoneAsync(a, "auth-1");
        await gemba.DoneAsync(b, "bill-1");
        return (a, b);
    }

    [Fact]
    public async Task A_member_is_recycled_after_recycle_after_beads_and_its_profile_starts_empty()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1, recycleAfterBeads: 2));
        await gemba.Beads.AddAsync(Topic("r-1", "auth", 1), Topic("r-2", "auth", 2), Topic("r-3", "ui", 3));

        await gemba.RunCycleAsync();
        var m = (await gemba.HandoverOfAsync("r-1")).SessionId;
        await gemba.DoneAsync(m, "r-1");
        await gemba.HandoverOfAsync("r-2");
        Assert.Empty(gemba.Plane.CallsOf(PlaneCallKind.Recycle));
        await gemba.DoneAsync(m, "r-2");
        var r3 = await gemba.HandoverOfAsync("r-3");

        Assert.Equal(m, r3.SessionId);
        Assert.Equal(
            [(PlaneCallKind.Spawn, "r-1"), (PlaneCallKind.Deliver, "r-2"), (PlaneCallKind.Recycle, null), (PlaneCallKind.Deliver, "r-3")],
            gemba.Plane.Calls.Where(c => c.SessionId == m).Select(c => (c.Kind, c.BeadId)));
        var during = await gemba.SummaryAsync(m);
        Assert.Equal((SessionStatus.Working, "r-3", 0, 2), (during.Status, during.CurrentBead, during.BeadsSinceRecycle, during.BeadsDone));
        Assert.True(during.Profile.IsEmpty, "the recycle clears the profile: " + string.Join(",", during.Profile.Concepts.Keys));
        Assert.NotNull(during.LastRecycleAt);

        await gemba.DoneAsync(m, "r-3");
        var after = await gemba.SummaryAsync(m);
        Assert.Equal(["ui"], after.Profile.Concepts.Keys);
        Assert.Equal(["r-3"], after.Profile.LastBeads.ToArray());
    }

    [Fact]
    public async Task An_idle_member_is_reaped_after_the_idle_ceiling_but_a_busy_one_never()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2, idleCeilingMinutes: 5));
        await gemba.Beads.AddAsync(Topic("idle-1", "auth", 1), Topic("busy-1", "billing", 1));
        await gemba.RunCycleAsync();
        var idle = (await gemba.HandoverOfAsync("idle-1")).SessionId;
        var busy = (await gemba.HandoverOfAsync("busy-1")).SessionId;
        await gemba.DoneAsync(idle, "idle-1");

        // One step past the ceiling (a single step, so the backstop timer is armed when the clock
        // jumps): the dispatcher's timer runs a maintenance cycle, which reaps the idle member.
        await gemba.AdvanceAsync(TimeSpan.FromMinutes(6));
        await gemba.WaitForAsync(async () => (await gemba.SummaryAsync(idle)).Status == SessionStatus.Completed,
            $"idle member {idle} reaped by the timer's maintenance after 6 min idle (ceiling 5)");
        Assert.Contains(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Stop && c.SessionId == idle);

        // The member holding a bead stays, however long it has been working.
        var beforeView = await gemba.Pool("dev").GetView();
        await gemba.AdvanceAsync(TimeSpan.FromMinutes(30));
        var endedNow = await gemba.Pool("dev").Maintain();
        Assert.True(endedNow == 0, $"maintain ended {endedNow}; before: {string.Join(";", beforeView.Members.Select(m => m.SessionId + " " + m.Status))} retired {string.Join(";", beforeView.Retired.Select(m => m.SessionId + " " + m.Status))}\n{gemba.Describe()}");
        var working = await gemba.SummaryAsync(busy);
        Assert.Equal((SessionStatus.Working, "busy-1"), (working.Status, working.CurrentBead));
        Assert.DoesNotContain(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Stop && c.SessionId == busy);
        Assert.Equal(("in_progress", busy), (gemba.Beads.StatusOf("busy-1"), gemba.Beads.AssigneeOf("busy-1")));
        var view = await gemba.Pool("dev").GetView();
        Assert.Equal([busy], view.Members.Select(m => m.SessionId));
        Assert.Contains(view.Retired, r => r.SessionId == idle && r.Status == SessionStatus.Completed);
    }

    [Fact]
    public async Task A_bead_no_warm_member_fits_is_taken_by_recycling_a_member_when_the_pool_cannot_grow()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        var (a, b) = await WarmTwoMembers(gemba);

        await gemba.Beads.AddAsync(Topic("ui-1", "ui"));
        var report = await gemba.RunCycleAsync();

        var ui = await gemba.HandoverOfAsync("ui-1");
        Assert.Contains(ui.SessionId, new[] { a, b });
        Assert.False(ui.Spawned);
        Assert.Equal(2, gemba.Plane.CallsOf(PlaneCallKind.Spawn).Count);
        var recycle = Assert.Single(gemba.Plane.CallsOf(PlaneCallKind.Recycle));
        Assert.Equal(ui.SessionId, recycle.SessionId);
        Assert.True(recycle.Sequence < ui.Sequence);
    }

    [Fact]
    public async Task A_bead_below_every_floor_is_dispatched_once_it_has_waited_past_the_starvation_limit()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        var (a, b) = await WarmTwoMembers(gemba);
        // Hot reload: a floor no pair reaches, not even a fresh member (0.575).
        await gemba.ApplyAsync(PoolConfig("dev", size: 2, floor: 0.9));

        await gemba.Beads.AddAsync(Topic("ui-1", "ui"));
        var waiting = await gemba.RunCycleAsync();
        Assert.Equal(DispatchOutcome.BelowFloor, waiting.Decisions.Single(d => d.BeadId == "ui-1").Outcome);
        await gemba.AdvanceAsync(TimeSpan.FromMinutes(29));
        Assert.Equal(DispatchOutcome.BelowFloor, (await gemba.RunCycleAsync()).Decisions.Single(d => d.BeadId == "ui-1").Outcome);
        Assert.DoesNotContain(gemba.Plane.Handovers, h => h.BeadId == "ui-1");

        await gemba.AdvanceAsync(TimeSpan.FromMinutes(2));
        await gemba.RunCycleAsync();
        var ui = await gemba.HandoverOfAsync("ui-1");
        Assert.Contains(ui.SessionId, new[] { a, b });
        Assert.Single(gemba.Plane.Handovers, h => h.BeadId == "ui-1");
        Assert.Equal(("in_progress", ui.SessionId), (gemba.Beads.StatusOf("ui-1"), gemba.Beads.AssigneeOf("ui-1")));
    }

    [Fact]
    public async Task A_poisoned_bead_is_retried_with_backoff_then_parked_and_not_dispatched_again_until_an_operator_unparks_it()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Topic("poison", "auth"));

        await gemba.RunCycleAsync();
        var backoff = TimeSpan.FromSeconds(30);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var h = await gemba.HandoverOfAsync("poison", attempt);
            await gemba.FailAsync(h.SessionId, "poison", $"crash #{attempt}");
            // Barrier: the dispatcher has counted the failure (the backoff runs from the failure itself).
            var counted = attempt == 3 ? DispatchOutcome.Parked : DispatchOutcome.Error;
            await gemba.WaitForAsync(() => gemba.EventLog.Any(e => e.BeadId == "poison" && e.Status == counted && e.SessionId == h.SessionId),
                $"dispatcher counted failure #{attempt} of poison ({counted})");
            if (attempt == 3) break;

            // Inside the backoff (30 s, then 60 s) the bead waits, open.
            await gemba.AdvanceAsync(backoff - TimeSpan.FromSeconds(1));
            await gemba.RunCycleAsync();
            Assert.Equal(attempt, gemba.Plane.Handovers.Count(x => x.BeadId == "poison"));
            Assert.Equal("open", gemba.Beads.StatusOf("poison"));

            await gemba.AdvanceAsync(TimeSpan.FromSeconds(2));
            await gemba.RunCycleAsync();
            backoff *= 2;
        }

        await gemba.WaitForAsync(() => gemba.Beads.LabelsOf("poison").Contains("gemba:parked"), "poison labelled gemba:parked after 3 failures");
        for (var i = 0; i < 3; i++)
        {
            await gemba.AdvanceAsync(TimeSpan.FromMinutes(10));
            await gemba.RunCycleAsync();
        }
        Assert.Equal(3, gemba.Plane.Handovers.Count(x => x.BeadId == "poison"));
        Assert.Equal(3, gemba.Plane.Handovers.Where(x => x.BeadId == "poison").Select(x => x.SessionId).Distinct().Count());
        Assert.Equal(("open", null), (gemba.Beads.StatusOf("poison"), gemba.Beads.AssigneeOf("poison")));
        Assert.Equal(["auth", "gemba:parked"], gemba.Beads.LabelsOf("poison"));
        Assert.Contains(await gemba.Dispatcher.GetDecisions(100), d => d.BeadId == "poison" && d.Outcome == DispatchOutcome.Parked);

        // An operator gives it another chance: its failures are forgotten, the label goes, it dispatches again.
        Assert.False(await gemba.Dispatcher.Unpark("no-such-bead"));
        Assert.True(await gemba.Dispatcher.Unpark("poison"));
        Assert.Equal(["auth"], gemba.Beads.LabelsOf("poison"));
        await gemba.RunCycleAsync();
        await gemba.HandoverOfAsync("poison", 4);
    }

    [Fact]
    public async Task A_codex_pool_starts_a_new_member_for_every_bead_and_ends_it_after_its_bead()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("codex", size: 2, agentType: "codex"));
        var ids = new[] { "x-1", "x-2", "x-3", "x-4", "x-5" };
        await gemba.Beads.AddAsync([.. ids.Select((id, i) => Topic(id, "auth", i))]);

        await gemba.DrainAsync(ids);

        var handovers = gemba.Plane.Handovers;
        Assert.Equal(ids, handovers.Select(h => h.BeadId).Order());
        Assert.All(handovers, h => Assert.True(h.Spawned, $"{h.BeadId} was delivered to a reused member {h.SessionId}"));
        Assert.Equal(5, handovers.Select(h => h.SessionId).Distinct().Count());
        Assert.Empty(gemba.Plane.CallsOf(PlaneCallKind.Deliver));
        Assert.True(gemba.Plane.MaxConcurrentHolds <= 2, $"held {gemba.Plane.MaxConcurrentHolds} at once in a pool of 2");
        foreach (var h in handovers)
        {
            var s = await gemba.SummaryAsync(h.SessionId);
            Assert.Equal((SessionStatus.Completed, 1, (string?)null), (s.Status, s.BeadsDone, s.CurrentBead));
            Assert.Contains(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Stop && c.SessionId == h.SessionId && c.Sequence > h.Sequence);
        }
        Assert.Empty((await gemba.Pool("codex").GetView()).Members);
    }
}
