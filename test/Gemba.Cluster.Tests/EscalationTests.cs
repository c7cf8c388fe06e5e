using Gemba.Cluster.Tests.Harness;
using Gemba.Dispatch;
using Gemba.Escalations;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

/// <summary>Escalations (dirty bead-done, stalls) and the pool's back-off when its agents cannot start.</summary>
public sealed class EscalationTests
{
    private static BeadSpec Topic(string id, string topic) => new(id, $"{topic} work {id}") { Labels = [topic] };

    private static async Task<EscalationList> EscalationsAsync(GembaTestCluster gemba) =>
        await gemba.Client.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).List();

    [Fact]
    public async Task A_dirty_bead_done_escalates_naming_the_files_while_the_other_member_goes_on_and_a_clean_one_resolves_it()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Topic("d-1", "auth"), Topic("d-2", "billing"));
        await gemba.RunCycleAsync();
        var dirty = (await gemba.HandoverOfAsync("d-1")).SessionId;
        var other = (await gemba.HandoverOfAsync("d-2")).SessionId;

        gemba.Plane.SetDirty(dirty, true);
        var refused = await gemba.Session(dirty).BeadDone("d-1");
        Assert.False(refused.Accepted);
        Assert.Contains("scratch.txt", refused.Message);
        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Open.Any(e => e.SessionId == dirty), "the dirty bead-done listed as an open escalation");
        var open = Assert.Single((await EscalationsAsync(gemba)).Open);
        Assert.Equal((EscalationKinds.DirtyWorktree, "d-1", "scratch.txt"), (open.Kind, open.BeadId, Assert.Single(open.Files)));
        var held = await gemba.SummaryAsync(dirty);
        Assert.Equal((SessionStatus.Working, "d-1", open.Id), (held.Status, held.CurrentBead, held.Escalation?.Id));
        Assert.Equal("in_progress", gemba.Beads.StatusOf("d-1"));

        // The other member is unaffected: it finishes and takes new work.
        await gemba.DoneAsync(other, "d-2");
        await gemba.Beads.AddAsync(Topic("d-3", "billing"));
        await gemba.RunCycleAsync();
        Assert.Equal(other, (await gemba.HandoverOfAsync("d-3")).SessionId);

        // A second dirty report updates the same escalation instead of opening another.
        await gemba.Session(dirty).BeadDone("d-1");
        gemba.Plane.SetDirty(dirty, false);
        await gemba.DoneAsync(dirty, "d-1");
        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Resolved.Any(e => e.Id == open.Id), "the escalation resolved by the clean bead-done");
        var list = await EscalationsAsync(gemba);
        Assert.Empty(list.Open);
        Assert.Contains("clean worktree", Assert.Single(list.Resolved).Resolution);
        Assert.Null((await gemba.SummaryAsync(dirty)).Escalation);
        Assert.Equal("closed", gemba.Beads.StatusOf("d-1"));
    }

    [Fact]
    public async Task A_member_silent_past_the_stall_timeout_is_escalated_not_killed_and_its_next_signal_resolves_it()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1) with { StallTimeoutMinutes = 10 });
        await gemba.Beads.AddAsync(Topic("slow-1", "auth"));
        await gemba.RunCycleAsync();
        var member = (await gemba.HandoverOfAsync("slow-1")).SessionId;

        await gemba.AdvanceAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(0, await gemba.Pool("dev").Maintain());
        Assert.Empty((await EscalationsAsync(gemba)).Open);

        await gemba.AdvanceAsync(TimeSpan.FromMinutes(2));
        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Open.Any(e => e.Kind == EscalationKinds.Stalled),
            "a stalled escalation raised by the timer's maintenance after 11 min without a signal (timeout 10)");
        var stalled = Assert.Single((await EscalationsAsync(gemba)).Open);
        Assert.Equal((member, "slow-1"), (stalled.SessionId, stalled.BeadId));
        Assert.Equal(SessionStatus.Working, (await gemba.SummaryAsync(member)).Status);
        Assert.DoesNotContain(gemba.Plane.Calls, c => c.Kind == PlaneCallKind.Stop);

        Assert.True((await gemba.Session(member).ReportState("working")).Accepted);
        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Open.Count == 0, "the stall resolved by the agent's signal");
        Assert.Contains("signalled", Assert.Single((await EscalationsAsync(gemba)).Resolved).Resolution);
    }

    [Fact]
    public async Task A_failed_spawn_pauses_the_pool_with_a_back_off_and_does_not_count_against_the_bead()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        gemba.Plane.FailSpawns(1);
        await gemba.Beads.AddAsync(Topic("b-1", "auth"));
        await gemba.RunCycleAsync();
        await gemba.WaitForAsync(() => gemba.Plane.CallsOf(PlaneCallKind.FailedSpawn).Count == 1, "one failed spawn");

        // Inside the back-off no cycle tries again, and the bead waits open, saying why.
        for (var i = 0; i < 3; i++) await gemba.RunCycleAsync();
        await gemba.AdvanceAsync(TimeSpan.FromSeconds(29));
        await gemba.WaitForAsync(async () => (await gemba.LatestDecisionAsync("b-1")).Reason.Contains("paused"),
            "the timer's cycle explaining that the pool is paused");
        Assert.Single(gemba.Plane.CallsOf(PlaneCallKind.FailedSpawn));
        Assert.Empty(gemba.Plane.Handovers);
        Assert.Equal("open", gemba.Beads.StatusOf("b-1"));
        Assert.Equal(DispatchOutcome.BlockedByGate, (await gemba.LatestDecisionAsync("b-1")).Outcome);

        await gemba.AdvanceAsync(TimeSpan.FromSeconds(2));
        await gemba.RunCycleAsync();
        await gemba.HandoverOfAsync("b-1");
        Assert.Single(gemba.Plane.CallsOf(PlaneCallKind.FailedSpawn));
        Assert.DoesNotContain(await gemba.Dispatcher.GetDecisions(1000), d => d.BeadId == "b-1" && d.Reason.Contains("attempt 1 failed"));
    }

    [Fact]
    public async Task An_operator_resolves_an_escalation_by_hand_and_the_member_keeps_its_bead()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));
        await gemba.Beads.AddAsync(Topic("h-1", "auth"));
        await gemba.RunCycleAsync();
        var member = (await gemba.HandoverOfAsync("h-1")).SessionId;
        gemba.Plane.SetDirty(member, true);
        await gemba.Session(member).BeadDone("h-1");
        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Open.Count == 1, "the dirty bead-done escalated");
        var open = Assert.Single((await EscalationsAsync(gemba)).Open);

        Assert.False(await gemba.Session(member).ResolveEscalation("not-" + open.Id, "resolved by an operator"));
        Assert.True(await gemba.Session(member).ResolveEscalation(open.Id, "resolved by an operator: looked at it"));

        await gemba.WaitForAsync(async () => (await EscalationsAsync(gemba)).Resolved.Any(e => e.Id == open.Id), "the escalation listed as resolved");
        var summary = await gemba.SummaryAsync(member);
        Assert.Null(summary.Escalation);
        Assert.Equal((SessionStatus.Working, "h-1"), (summary.Status, summary.CurrentBead));
        Assert.Equal("resolved by an operator: looked at it", (await EscalationsAsync(gemba)).Resolved[0].Resolution);
        // A book entry whose member is gone is resolved in the list itself; an unknown id is null.
        Assert.Null(await gemba.Client.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).Resolve(open.Id, "again"));
    }
}
