using Gemba.Cluster.Tests.Harness;
using Gemba.Dispatch;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

/// <summary>An operator starts a bead by hand: through the dispatcher's ledger, into the reserved slots.</summary>
public sealed class ManualStartTests
{
    private static BeadSpec Bead(string id, int priority = 2, string type = "task") => new(id, $"work {id}") { Priority = priority, Type = type };

    [Fact]
    public async Task A_full_pool_still_takes_a_manual_start_in_the_slot_reserved_for_manual_work_but_not_two()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));
        await gemba.Beads.AddAsync(Bead("m-1", 1), Bead("m-2", 2), Bead("m-3", 3));
        await gemba.RunCycleAsync();
        var auto = (await gemba.HandoverOfAsync("m-1")).SessionId;

        var manual = await gemba.Dispatcher.StartManual(new ManualStartRequest("m-3"));
        Assert.True(manual.Ok, manual.Message);
        Assert.False(manual.Reused);
        Assert.NotEqual(auto, manual.SessionId);
        var handover = await gemba.HandoverOfAsync("m-3");
        Assert.Equal((manual.SessionId, true), (handover.SessionId, handover.Spawned));

        // The one reserved slot is used: a second manual start has no room, and says so.
        var refused = await gemba.Dispatcher.StartManual(new ManualStartRequest("m-2"));
        Assert.False(refused.Ok);
        Assert.Equal(ManualStartErrors.NoCapacity, refused.Error);
        Assert.Contains("reserved for manual work", refused.Message);
        Assert.DoesNotContain(gemba.Plane.Handovers, h => h.BeadId == "m-2");
    }

    [Fact]
    public async Task A_manual_start_reuses_a_warm_idle_member()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1, floor: 1.0));
        await gemba.Beads.AddAsync(Bead("w-1"));
        var first = await gemba.Dispatcher.StartManual(new ManualStartRequest("w-1"));
        await gemba.HandoverOfAsync("w-1");
        await gemba.DoneAsync(first.SessionId!, "w-1");

        // Floor 1.0: auto-dispatch would leave w-2 waiting; the operator's start does not.
        await gemba.Beads.AddAsync(Bead("w-2"));
        var second = await gemba.Dispatcher.StartManual(new ManualStartRequest("w-2"));
        Assert.True(second.Ok, second.Message);
        Assert.True(second.Reused);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal((SessionStatus.Working, "w-2"), ((await gemba.SummaryAsync(second.SessionId!)).Status, (await gemba.SummaryAsync(second.SessionId!)).CurrentBead));
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_stable_error_and_start_nothing()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Bead("epic-1", type: "epic"), Bead("b-1"));
        await gemba.RunCycleAsync();
        await gemba.HandoverOfAsync("b-1");

        Assert.Equal(ManualStartErrors.BeadNotFound, (await gemba.Dispatcher.StartManual(new ManualStartRequest("nope"))).Error);
        Assert.Equal(ManualStartErrors.NotRunnable, (await gemba.Dispatcher.StartManual(new ManualStartRequest("epic-1"))).Error);
        Assert.Equal(ManualStartErrors.AlreadyClaimed, (await gemba.Dispatcher.StartManual(new ManualStartRequest("b-1"))).Error);
        var noPool = await gemba.Dispatcher.StartManual(new ManualStartRequest("epic-1", Persona: "ghost"));
        Assert.Equal(ManualStartErrors.NotRunnable, noPool.Error);
        Assert.Single(gemba.Plane.Handovers);
    }

    [Fact]
    public async Task Manual_starts_racing_dispatch_cycles_never_claim_a_bead_twice()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 20));
        var ids = Enumerable.Range(1, 30).Select(i => $"race-{i}").ToList();
        await gemba.Beads.AddAsync([.. ids.Select(id => Bead(id))]);

        // Every bead is asked for by hand while cycles run; each is claimed by exactly one of the two.
        var manual = ids.Select(id => gemba.Dispatcher.StartManual(new ManualStartRequest(id))).ToList();
        var cycles = Enumerable.Range(0, 5).Select(_ => gemba.RunCycleAsync()).ToList();
        var results = await Task.WhenAll(manual);
        await Task.WhenAll(cycles);
        await gemba.RunCycleAsync();

        var handed = gemba.Plane.Handovers.GroupBy(h => h.BeadId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(handed, h => Assert.True(h.Value == 1, $"{h.Key} handed over {h.Value} times"));
        Assert.Empty(gemba.Plane.Violations);
        // Twenty members for the pool, and one more in the slot reserved for manual work, at most.
        Assert.InRange(handed.Count, 20, 21);
        Assert.All(results.Where(r => r.Ok), r => Assert.Contains(r.SessionId, gemba.Plane.Handovers.Select(h => h.SessionId)));
        Assert.All(results.Where(r => !r.Ok), r => Assert.Contains(r.Error, new[] { ManualStartErrors.AlreadyClaimed, ManualStartErrors.NoCapacity }));
    }
}
