using Gemba.Cluster.Tests.Harness;
using Gemba.Sessions;
using static Gemba.Cluster.Tests.Harness.GembaTestCluster;

namespace Gemba.Cluster.Tests;

public sealed class AffinityAndPhaseZeroTests
{
    private static BeadSpec Auth(string id) => new(id, $"Auth work {id}")
    {
        Labels = ["auth"],
        Front = new Dictionary<string, string> { ["files"] = $"src/auth/{id}.cs" },
    };

    private static BeadSpec Billing(string id) => new(id, $"Billing work {id}")
    {
        Labels = ["billing"],
        Front = new Dictionary<string, string> { ["files"] = $"src/billing/{id}.cs" },
    };

    private static BeadSpec InRepo(string id, string repo) => new(id, $"Work {id}")
    {
        Front = new Dictionary<string, string> { ["repo"] = repo, ["branch"] = "main" },
    };

    [Fact]
    public async Task The_workspace_a_member_worked_in_is_learned_and_scores_in_the_next_decision()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(InRepo("ws-1", "github.com/acme/api"));
        await gemba.RunCycleAsync();
        var member = (await gemba.HandoverOfAsync("ws-1")).SessionId;
        await gemba.DoneAsync(member, "ws-1");
        Assert.Contains((await gemba.SummaryAsync(member)).Profile.Files.Keys, k => k.Contains("github.com/acme/api", StringComparison.Ordinal));

        // The pool is full once a second member exists; with one warm member and growth left the
        // planner still scores the warm member, and its workspace component now has evidence.
        await gemba.Beads.AddAsync(InRepo("ws-2", "github.com/acme/api"));
        await gemba.RunCycleAsync();
        var decision = await gemba.LatestDecisionAsync("ws-2");
        Assert.Equal(member, decision.SessionId);
        Assert.True(decision.Scores!.WorkspaceMatch > 0.5, $"workspace match {decision.Scores.WorkspaceMatch} should beat the no-evidence 0.5");
    }

    [Fact]
    public async Task Each_warm_member_takes_the_bead_related_to_its_own_history()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync(PoolConfig("dev", size: 2));
        await gemba.Beads.AddAsync(Auth("auth-1"), Billing("bill-1"));

        await gemba.RunCycleAsync();
        var a = (await gemba.HandoverOfAsync("auth-1")).SessionId;
        var b = (await gemba.HandoverOfAsync("bill-1")).SessionId;
        Assert.NotEqual(a, b);
        await gemba.DoneAsync(a, "auth-1");
        await gemba.DoneAsync(b, "bill-1");
        Assert.Contains("auth", (await gemba.SummaryAsync(a)).Profile.Concepts.Keys);
        Assert.Contains("billing", (await gemba.SummaryAsync(b)).Profile.Concepts.Keys);

        // Phase 2: one more bead of each kind. The pool is full (2/2), both members are idle and warm.
        await gemba.Beads.AddAsync(Billing("bill-2"), Auth("auth-2"));
        await gemba.RunCycleAsync();

        var auth2 = await gemba.HandoverOfAsync("auth-2");
        var bill2 = await gemba.HandoverOfAsync("bill-2");
        Assert.Equal((a, false), (auth2.SessionId, auth2.Spawned));
        Assert.Equal((b, false), (bill2.SessionId, bill2.Spawned));
        Assert.Equal(2, gemba.Plane.CallsOf(PlaneCallKind.Spawn).Count);
        Assert.Empty(gemba.Plane.CallsOf(PlaneCallKind.Recycle));
    }

    [Fact]
    public async Task Phase_zero_config_dispatches_nothing_and_creates_no_sessions()
    {
        await using var gemba = await StartAsync();
        await gemba.ApplyAsync();
        await gemba.Beads.AddAsync(Auth("auth-1"));

        var report = await gemba.RunCycleAsync();

        Assert.Equal(0, report.Dispatched);
        Assert.Empty(report.Decisions);
        Assert.Empty(gemba.Plane.Calls);
        var view = await gemba.Pool("dev").GetView();
        Assert.Null(view.Config);
        Assert.Empty(view.Members);
        Assert.Equal("open", gemba.Beads.StatusOf("auth-1"));
        Assert.Null(gemba.Beads.AssigneeOf("auth-1"));
        Assert.Empty(await gemba.Dispatcher.GetDecisions(100));
    }
}
