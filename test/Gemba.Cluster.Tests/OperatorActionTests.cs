using Gemba.Cluster.Tests.Harness;
using Gemba.Dispatch;
using Gemba.Sessions;
using Gemba.Beads;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

/// <summary>An operator's hands on live work: drain, recycle, end a member; pause and resume a pool.</summary>
public sealed class OperatorActionTests
{
    private static BeadSpec Bead(string id, int priority = 2) => new(id, $"work {id}") { Priority = priority };

    [Fact]
    public async Task A_drained_member_finishes_its_bead_takes_no_other_and_then_stops()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));
        await gemba.Beads.AddAsync(Bead("d-1", 1), Bead("d-2", 2));
        await gemba.RunCycleAsync();
        var member = (await gemba.HandoverOfAsync("d-1")).SessionId;

        var draining = await gemba.Session(member).Drain();
        Assert.True(draining.Draining);
        Assert.Equal((SessionStatus.Working, "d-1"), (draining.Status, draining.CurrentBead));
        // The pool is full while its only member drains: d-2 waits rather than going to the draining member.
        await gemba.RunCycleAsync();
        Assert.DoesNotContain(gemba.Plane.Handovers, h => h.BeadId == "d-2");

        await gemba.DoneAsync(member, "d-1");
        var after = await gemba.SummaryAsync(member);
        Assert.Equal(SessionStatus.Completed, after.Status);
        Assert.Contains(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Stop && c.SessionId == member);
        Assert.Equal(BeadStatus.Closed, (await gemba.WorkPlane.GetAsync("d-1"))!.Status);

        // The slot is free again: d-2 goes to a new member, not the drained one.
        var next = await gemba.HandoverOfAsync("d-2");
        Assert.NotEqual(member, next.SessionId);
        Assert.True(next.Spawned);
    }

    [Fact]
    public async Task Draining_an_idle_member_stops_it_at_once_and_recycle_is_only_for_idle_members()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Bead("i-1"), Bead("i-2"));
        await gemba.RunCycleAsync();
        var idle = (await gemba.HandoverOfAsync("i-1")).SessionId;
        var busy = (await gemba.HandoverOfAsync("i-2")).SessionId;
        await gemba.DoneAsync(idle, "i-1");

        var refused = await gemba.Session(busy).Recycle();
        Assert.False(refused.Accepted);
        Assert.Contains("holding i-2", refused.Message);
        var recycled = await gemba.Session(idle).Recycle();
        Assert.True(recycled.Accepted);
        Assert.Contains(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Recycle && c.SessionId == idle);
        Assert.Equal(0, (await gemba.SummaryAsync(idle)).BeadsSinceRecycle);

        var drained = await gemba.Session(idle).Drain();
        Assert.Equal(SessionStatus.Completed, drained.Status);
        Assert.False(drained.Draining);
    }

    [Fact]
    public async Task Ending_a_member_releases_its_bead_and_the_pool_counts_it_gone()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));
        await gemba.Beads.AddAsync(Bead("e-1"));
        await gemba.RunCycleAsync();
        var member = (await gemba.HandoverOfAsync("e-1")).SessionId;
        gemba.Plane.Released(member, "e-1");

        var ended = await gemba.Session(member).Stop("ended by an operator");
        await gemba.Pool("dev").MemberChanged(ended);

        Assert.Equal(SessionStatus.Completed, ended.Status);
        // Released at once (a cycle the release pokes may already have handed it on): never left with the ended member.
        Assert.NotEqual(member, (await gemba.WorkPlane.GetAsync("e-1"))!.Assignee);
        // The bead is not lost: a new member gets it.
        var again = await gemba.HandoverOfAsync("e-1", attempt: 2);
        Assert.NotEqual(member, again.SessionId);
    }

    [Fact]
    public async Task A_paused_pool_dispatches_nothing_says_why_and_stays_paused_across_a_restart()
    {
        var database = NewTempPath("gemba-db-pause-") + ".db";
        var beadsDir = NewTempPath("gemba-beads-pause-");
        try
        {
            await using (var first = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir }))
            {
                await first.ApplyAsync(PoolConfig("dev", size: 2));
                var view = await first.Pool("dev").SetPause("maintenance window");
                Assert.Equal("maintenance window", view.Pause?.Reason);
                await first.Beads.AddAsync(Bead("p-1"));
                Assert.Equal(0, (await first.RunCycleAsync()).Dispatched);
                // Event-driven cycles skip planning while no pool can take a bead; the backstop timer's cycle explains.
                await first.AdvanceAsync(TimeSpan.FromMinutes(1));
                await first.WaitForAsync(async () => (await first.Dispatcher.GetDecisions(50)).Any(d => d.BeadId == "p-1"),
                    "the timer cycle to record why p-1 waits");
                var decision = await first.LatestDecisionAsync("p-1");
                Assert.Equal(DispatchOutcome.BlockedByGate, decision.Outcome);
                Assert.Contains("auto-dispatch paused by an operator (maintenance window)", decision.Reason);
                await first.StopAsync();
            }

            await using var second = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir });
            Assert.Equal("maintenance window", (await second.Pool("dev").GetView()).Pause?.Reason);
            Assert.Equal(0, (await second.RunCycleAsync()).Dispatched);
            Assert.Empty(second.Plane.Handovers);

            await second.Pool("dev").SetPause(null);
            await second.HandoverOfAsync("p-1");
        }
        finally
        {
            DeleteShared(database, beadsDir);
        }
    }

    [Fact]
    public async Task The_decision_log_survives_a_full_cluster_restart()
    {
        var database = NewTempPath("gemba-db-decisions-") + ".db";
        var beadsDir = NewTempPath("gemba-beads-decisions-");
        try
        {
            IReadOnlyList<DispatchDecision> before;
            await using (var first = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir }))
            {
                await first.ApplyAsync(PoolConfig("dev", size: 1));
                await first.Beads.AddAsync(Bead("l-1", 1), Bead("l-2", 2));
                await first.RunCycleAsync();
                await first.HandoverOfAsync("l-1");
                before = await first.Dispatcher.GetDecisions(100);
                Assert.Contains(before, d => d.BeadId == "l-1" && d.Outcome == DispatchOutcome.Dispatched);
                Assert.Contains(before, d => d.BeadId == "l-2" && d.Outcome == DispatchOutcome.BlockedByGate);
                await first.StopAsync();
            }

            await using var second = await StartAsync(new ClusterSetup { DatabasePath = database, BeadsDir = beadsDir });
            var after = await second.Dispatcher.GetDecisions(100);
            Assert.Equal(before.Select(d => (d.BeadId, d.Outcome, d.Reason, d.At)), after.Select(d => (d.BeadId, d.Outcome, d.Reason, d.At)));
        }
        finally
        {
            DeleteShared(database, beadsDir);
        }
    }
}
