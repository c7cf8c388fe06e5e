using Gemba.Cascades;
using Gemba.Cluster.Tests.Harness;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

/// <summary>An epic started by an operator runs its leaves, at most the limit at once, and rolls up.</summary>
public sealed class CascadeTests
{
    private static BeadSpec Leaf(string id, string parent, int priority = 2, string type = "task") =>
        new(id, $"work {id}") { Parent = parent, Priority = priority, Type = type };

    [Fact]
    public async Task A_nested_epic_stages_its_leaves_runs_at_most_the_limit_at_once_and_reads_started_then_done()
    {
        await using var gemba = await StartAsync();
        // Floor 1.0: auto-dispatch takes nothing, so every start below is the cascade's.
        await gemba.ApplyAsync(PoolConfig("dev", size: 4, floor: 1.0));
        await gemba.Beads.AddAsync(
            new BeadSpec("epic", "The epic") { Type = "epic" },
            Leaf("l-1", "epic", 1), Leaf("l-2", "epic", 2), new BeadSpec("sub", "A nested epic") { Type = "epic", Parent = "epic" },
            Leaf("l-3", "sub", 3), Leaf("l-4", "sub", 4), Leaf("note", "epic", type: "decision"));
        var cascades = gemba.Client.GetGrain<ICascadesGrain>(ICascadesGrain.Key);

        var report = await cascades.Start("epic", null, 2);
        Assert.True(report.Ok, report.Message);
        Assert.Equal(["l-1", "l-2", "l-3", "l-4"], report.Staged);
        Assert.Equal(["l-1", "l-2"], report.Dispatched.Select(d => d.BeadId));
        Assert.Equal(["l-3", "l-4"], report.Waiting);
        Assert.Equal("in_progress", gemba.Beads.StatusOf("epic"));
        Assert.Equal("open", gemba.Beads.StatusOf("sub")); // none of its own leaves runs yet
        Assert.Contains("gemba:staged", gemba.Beads.LabelsOf("l-4"));
        Assert.Contains("gemba:cascade-active", gemba.Beads.LabelsOf("epic"));

        // Each leaf that ends starts the next one, event-driven (no timer, no cycle), never more than two at once.
        foreach (var (done, next) in new[] { ("l-1", "l-3"), ("l-2", "l-4") })
        {
            var holder = (await gemba.HandoverOfAsync(done)).SessionId;
            await gemba.DoneAsync(holder, done);
            await gemba.HandoverOfAsync(next);
        }
        await gemba.WaitForAsync(() => gemba.Beads.StatusOf("sub") == "in_progress", "the nested epic in progress once its leaves run");
        Assert.Equal(2, gemba.Plane.MaxConcurrentHolds);
        foreach (var last in new[] { "l-3", "l-4" })
            await gemba.DoneAsync((await gemba.HandoverOfAsync(last)).SessionId, last);

        await gemba.WaitForAsync(() => gemba.Beads.StatusOf("epic") == "closed", "the epic closed once every leaf closed");
        Assert.Equal("closed", gemba.Beads.StatusOf("sub")); // closed in the same pass, before its parent
        Assert.DoesNotContain("gemba:cascade-active", gemba.Beads.LabelsOf("epic"));
        Assert.Equal("open", gemba.Beads.StatusOf("note"));
        Assert.Empty(await cascades.List());
        Assert.Empty(gemba.Plane.Violations);
    }

    [Fact]
    public async Task Only_a_wrapper_cascades()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 1));
        await gemba.Beads.AddAsync(new BeadSpec("t", "a task"));
        var cascades = gemba.Client.GetGrain<ICascadesGrain>(ICascadesGrain.Key);
        Assert.Equal(CascadeErrors.NotWrapper, (await cascades.Start("t", null, 0)).Error);
        Assert.Equal(CascadeErrors.NotFound, (await cascades.Start("nope", null, 0)).Error);
    }
}
