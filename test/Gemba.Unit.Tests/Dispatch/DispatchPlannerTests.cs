using Gemba.Dispatch;
using Gemba.Grains.Dispatch;
using Gemba.Sessions;
using static Gemba.Unit.Tests.Dispatch.Plans;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class DispatchPlannerTests
{
    private static readonly BeadTraits AuthDone = Traits.Of("gm-a0", ["auth", "login"], ["src/auth/login.ts"]);
    private static readonly BeadTraits BillingDone = Traits.Of("gm-b0", ["billing", "invoice"], ["src/billing/invoice.ts"]);
    private static readonly BeadTraits AuthNext = Traits.Of("gm-a1", ["auth", "login"], ["src/auth/token.ts"]);
    private static readonly BeadTraits BillingNext = Traits.Of("gm-b1", ["billing", "invoice"], ["src/billing/tax.ts"]);

    private static DispatchDecision DecisionFor(DispatchPlan plan, string beadId) => Assert.Single(plan.Decisions, d => d.BeadId == beadId);

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Members_with_different_histories_each_get_the_bead_related_to_their_history(int size)
    {
        var plan = Plan(Pool(size),
            [Member("s-auth", History(AuthDone)), Member("s-bill", History(BillingDone))],
            Ready(BillingNext), Ready(AuthNext));

        Assert.Equal(2, plan.Assignments.Count);
        Assert.Equal("s-auth", plan.Assignments.Single(a => a.BeadId == "gm-a1").SessionId);
        Assert.Equal("s-bill", plan.Assignments.Single(a => a.BeadId == "gm-b1").SessionId);
        Assert.All(plan.Assignments, a => Assert.False(a.RecycleFirst));
        Assert.All(plan.Assignments, a => Assert.True(a.Scores.Combined > 0.75, $"{a.Scores}"));
    }

    [Fact]
    public void Unrelated_work_goes_to_a_new_member_while_the_pool_can_grow()
    {
        var plan = Plan(Pool(3), [Member("s-auth", History(AuthDone))], Ready(BillingNext));
        var a = Assert.Single(plan.Assignments);
        Assert.Null(a.SessionId);
        Assert.False(a.RecycleFirst);
        Assert.Equal(DispatchOutcome.Dispatched, DecisionFor(plan, "gm-b1").Outcome);
    }

    [Fact]
    public void Conflicting_ready_beads_are_never_both_assigned()
    {
        var one = Traits.Of("gm-1", repo: "acme/api", branch: "main");
        var two = Traits.Of("gm-2", repo: "acme/api", branch: "main");
        var three = Traits.Of("gm-3", files: ["src/**"]);
        var four = Traits.Of("gm-4", files: ["src/a/b.ts"]);
        var plan = Plan(Pool(10), [], Ready(one), Ready(two), Ready(three), Ready(four));

        Assert.Equal(2, plan.Assignments.Count);
        Assert.Contains(plan.Assignments, a => a.BeadId == "gm-1");
        Assert.Contains(plan.Assignments, a => a.BeadId == "gm-3");
        var blocked = DecisionFor(plan, "gm-2");
        Assert.Equal(DispatchOutcome.BlockedByConflict, blocked.Outcome);
        Assert.Equal("same repo+branch as gm-1 (acme/api@main)", blocked.Reason);
        Assert.Equal("overlapping files with gm-3 (src/**)", DecisionFor(plan, "gm-4").Reason);
    }

    [Fact]
    public void A_bead_conflicting_with_work_in_progress_waits()
    {
        var input = Input([Pool(3).With()], [Ready(Traits.Of("gm-2", worktree: "/wt/a/"))], [Traits.Of("gm-1", worktree: "/wt/a")]);
        var plan = DispatchPlanner.Plan(input);
        Assert.Empty(plan.Assignments);
        var d = DecisionFor(plan, "gm-2");
        Assert.Equal(DispatchOutcome.BlockedByConflict, d.Outcome);
        Assert.Equal("same worktree as gm-1 (/wt/a)", d.Reason);
    }

    [Fact]
    public void Never_exceeds_the_effective_size()
    {
        var ready = Enumerable.Range(0, 10).Select(i => Ready(Traits.Of($"gm-{i}"))).ToArray();
        var plan = Plan(Pool(3), [Member("s-1", status: SessionStatus.Working), Member("s-2")], ready);

        Assert.Equal(2, plan.Assignments.Count);
        Assert.Single(plan.Assignments, a => a.SessionId == "s-2");
        Assert.Single(plan.Assignments, a => a.SessionId is null);
        var gated = plan.Decisions.Where(d => d.Outcome == DispatchOutcome.BlockedByGate).ToList();
        Assert.Equal(8, gated.Count);
        Assert.All(gated, d => Assert.Equal("pool full: 3/3 members busy", d.Reason));
    }

    [Fact]
    public void Never_exceeds_max_concurrent()
    {
        var ready = Enumerable.Range(0, 6).Select(i => Ready(Traits.Of($"gm-{i}"))).ToArray();
        var plan = Plan(Pool(5, maxConcurrent: 2), [Member("s-1", status: SessionStatus.Working), Member("s-2")], ready);

        Assert.Single(plan.Assignments);
        Assert.All(plan.Decisions.Where(d => d.Outcome != DispatchOutcome.Dispatched),
            d => Assert.Equal("max-concurrent reached (2/2 in flight)", d.Reason));
    }

    [Fact]
    public void A_full_pool_reports_every_waiting_bead_as_gated()
    {
        var plan = Plan(Pool(2), [Member("s-1", status: SessionStatus.Working), Member("s-2", status: SessionStatus.Stalled)],
            Ready(Traits.Of("gm-1")), Ready(Traits.Of("gm-2")));
        Assert.Empty(plan.Assignments);
        Assert.Equal(2, plan.Decisions.Count);
        Assert.All(plan.Decisions, d => Assert.Equal((DispatchOutcome.BlockedByGate, "pool full: 2/2 members busy"), (d.Outcome, d.Reason)));
    }

    [Fact]
    public void An_empty_pool_grows_up_to_its_size()
    {
        var ready = Enumerable.Range(0, 5).Select(i => Ready(Traits.Of($"gm-{i}"))).ToArray();
        var plan = Plan(Pool(3), [], ready);
        Assert.Equal(3, plan.Assignments.Count);
        Assert.All(plan.Assignments, a => Assert.Null(a.SessionId));
        Assert.Equal(2, plan.Decisions.Count(d => d.Outcome == DispatchOutcome.BlockedByGate));
    }

    [Fact]
    public void A_one_shot_pool_always_starts_new_members()
    {
        var plan = Plan(Pool(3, agent: "codex"), [Member("s-idle", History(AuthDone))], Ready(AuthNext), Ready(BillingNext), Ready(Traits.Of("gm-x")));
        Assert.Equal(2, plan.Assignments.Count); // the idle one-shot member still occupies a place
        Assert.All(plan.Assignments, a => Assert.Null(a.SessionId));
        Assert.All(plan.Assignments, a => Assert.False(a.RecycleFirst));
    }

    [Fact]
    public void A_member_past_recycle_after_beads_is_recycled_before_its_next_bead()
    {
        var plan = Plan(Pool(1, recycleAfter: 5), [Member("s-1", History(AuthDone), beadsSinceRecycle: 5)], Ready(AuthNext));
        var a = Assert.Single(plan.Assignments);
        Assert.Equal(("s-1", true), (a.SessionId, a.RecycleFirst));
        Assert.Equal(0.575, a.Scores.Combined, 6); // scored as the fresh member it is about to become
    }

    [Fact]
    public void A_member_below_recycle_after_beads_keeps_its_context()
    {
        var plan = Plan(Pool(1, recycleAfter: 5), [Member("s-1", History(AuthDone), beadsSinceRecycle: 4)], Ready(AuthNext));
        var a = Assert.Single(plan.Assignments);
        Assert.Equal(("s-1", false), (a.SessionId, a.RecycleFirst));
        Assert.Equal(0.4, a.Scores.Headroom, 6); // pressure 0.8
    }

    [Fact]
    public void A_pool_that_cannot_grow_recycles_a_member_that_fits_nothing_to_take_unfitting_work()
    {
        var plan = Plan(Pool(1), [Member("s-auth", History(AuthDone))], Ready(BillingNext));
        var a = Assert.Single(plan.Assignments);
        Assert.Equal(("s-auth", true, "gm-b1"), (a.SessionId, a.RecycleFirst, a.BeadId));
        var d = DecisionFor(plan, "gm-b1");
        Assert.Equal(DispatchOutcome.Dispatched, d.Outcome);
        Assert.StartsWith("recycled to fit", d.Reason);
        Assert.Equal(0.575, d.Scores!.Combined, 6);
    }

    [Fact]
    public void A_member_that_fits_waiting_work_takes_it_and_is_not_recycled()
    {
        var plan = Plan(Pool(1), [Member("s-auth", History(AuthDone))], Ready(BillingNext), Ready(AuthNext));
        var a = Assert.Single(plan.Assignments);
        Assert.Equal(("s-auth", false, "gm-a1"), (a.SessionId, a.RecycleFirst, a.BeadId));
        Assert.Equal(DispatchOutcome.BlockedByGate, DecisionFor(plan, "gm-b1").Outcome);
    }

    [Fact]
    public void Beads_without_a_persona_or_pool_are_reported_not_dropped()
    {
        var input = Input([Pool(2).With(), Pool(0, persona: "pm").With()],
            [Ready(Traits.Of("gm-1", kind: "chore"), persona: null), Ready(Traits.Of("gm-2"), persona: "designer"), Ready(Traits.Of("gm-3"), persona: "pm")]);
        var plan = DispatchPlanner.Plan(input);
        Assert.Empty(plan.Assignments);
        Assert.All(plan.Decisions, d => Assert.Equal(DispatchOutcome.NoPersona, d.Outcome));
        Assert.Contains("chore", DecisionFor(plan, "gm-1").Reason);
        Assert.Contains("local/designer", DecisionFor(plan, "gm-2").Reason);
        Assert.Contains("effective size 0", DecisionFor(plan, "gm-3").Reason);
    }

    [Fact]
    public void Below_floor_is_explained_with_the_best_score_and_the_floor()
    {
        var plan = Plan(Pool(1, floor: 0.9), [], Ready(Traits.Of("gm-1")));
        Assert.Empty(plan.Assignments);
        var d = DecisionFor(plan, "gm-1");
        Assert.Equal(DispatchOutcome.BelowFloor, d.Outcome);
        Assert.Contains("0.575", d.Reason);
        Assert.Contains("floor 0.900", d.Reason);
        Assert.Equal(0.575, d.Scores!.Combined, 6);
    }

    [Fact]
    public void A_bead_that_fits_nobody_in_a_pool_that_cannot_grow_is_dispatched_within_the_starvation_limit()
    {
        var pool = Pool(1, floor: 0.9); // too high even for a fresh member, so recycle-to-fit cannot help
        MemberSummary[] members = [Member("s-auth", History(AuthDone))];

        var early = Plan(pool, members, Ready(BillingNext, waited: TimeSpan.FromMinutes(29)));
        Assert.Empty(early.Assignments);
        Assert.Equal(DispatchOutcome.BelowFloor, DecisionFor(early, "gm-b1").Outcome);

        var starved = Plan(pool, members, Ready(BillingNext, waited: PlannerOptions.Default.StarvationLimit));
        var a = Assert.Single(starved.Assignments);
        Assert.Equal(("s-auth", true), (a.SessionId, a.RecycleFirst)); // a clean context suits unrelated work better
        Assert.Contains("waived", DecisionFor(starved, "gm-b1").Reason);
    }

    [Fact]
    public void Rate_limited_members_are_gated()
    {
        var plan = Plan(Pool(1, minInterval: 60), [Member("s-1", lastDispatch: Now.AddSeconds(-10))], Ready(Traits.Of("gm-1")));
        Assert.Empty(plan.Assignments);
        var d = DecisionFor(plan, "gm-1");
        Assert.Equal(DispatchOutcome.BlockedByGate, d.Outcome);
        Assert.StartsWith("per-session rate limit", d.Reason);

        var later = Plan(Pool(1, minInterval: 60), [Member("s-1", lastDispatch: Now.AddSeconds(-61))], Ready(Traits.Of("gm-1")));
        Assert.Equal("s-1", Assert.Single(later.Assignments).SessionId);
    }

    [Fact]
    public void Older_beads_rank_first_through_the_age_boost_and_priority_breaks_ties()
    {
        var aged = Plan(Pool(1), [], Ready(Traits.Of("gm-new", priority: 0)), Ready(Traits.Of("gm-old", priority: 3), waited: TimeSpan.FromHours(2)));
        Assert.Equal("gm-old", Assert.Single(aged.Assignments).BeadId);

        var tied = Plan(Pool(1), [], Ready(Traits.Of("gm-p3", priority: 3)), Ready(Traits.Of("gm-p1", priority: 1)));
        Assert.Equal("gm-p1", Assert.Single(tied.Assignments).BeadId);
    }

    [Fact]
    public void Empty_pools_assign_nothing()
    {
        Assert.Empty(DispatchPlanner.Plan(Input([], [Ready(Traits.Of("gm-1"))])).Assignments);
        var none = DispatchPlanner.Plan(Input([Pool(3).With(Member("s-1"))], []));
        Assert.Empty(none.Assignments);
        Assert.Empty(none.Decisions);
    }

    [Fact]
    public void Every_bead_gets_exactly_one_decision()
    {
        var input = Scenario.Random(seed: 7, pools: 3, membersPerPool: 6, beads: 120);
        var plan = DispatchPlanner.Plan(input);
        Assert.Equal(input.Ready.Select(r => r.Traits.BeadId).Order(), plan.Decisions.Select(d => d.BeadId).Order());
        Assert.Equal(plan.Assignments.Select(a => a.BeadId).Order(),
            plan.Decisions.Where(d => d.Outcome == DispatchOutcome.Dispatched).Select(d => d.BeadId).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Plans_respect_size_cap_conflicts_and_members(int seed)
    {
        var input = Scenario.Random(seed, pools: 4, membersPerPool: 8, beads: 300);
        var plan = DispatchPlanner.Plan(input);
        foreach (var pool in input.Pools)
        {
            var mine = plan.Assignments.Where(a => a.Pool == pool.Config.Key).ToList();
            var busy = pool.Members.Count(m => m.Status != SessionStatus.Ready);
            Assert.True(pool.Members.Count + mine.Count(a => a.SessionId is null) <= pool.Config.SizeEffective);
            Assert.True(busy + mine.Count <= pool.Config.ConcurrencyCap);
            Assert.Equal(mine.Count(a => a.SessionId is not null), mine.Where(a => a.SessionId is not null).Select(a => a.SessionId).Distinct().Count());
            Assert.All(mine.Where(a => a.SessionId is not null), a => Assert.Contains(pool.Members, m => m.SessionId == a.SessionId && m.IsIdle));
        }
        Assert.Equal(plan.Assignments.Count, plan.Assignments.Select(a => a.BeadId).Distinct().Count());
        var index = new ConflictIndex();
        foreach (var t in input.InProgress) index.Add(t.BeadId, t);
        var byId = input.Ready.ToDictionary(r => r.Traits.BeadId, r => r.Traits);
        foreach (var a in plan.Assignments)
        {
            Assert.Null(index.FindConflict(byId[a.BeadId]));
            index.Add(a.BeadId, byId[a.BeadId]);
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Same_input_gives_the_same_plan_whatever_the_input_order(int seed)
    {
        var input = Scenario.Random(seed, pools: 3, membersPerPool: 10, beads: 400);
        var shuffled = input with
        {
            Ready = input.Ready.Reverse().ToList(),
            Pools = input.Pools.Reverse().Select(p => p with { Members = p.Members.Reverse().ToList() }).ToList(),
        };
        var first = DispatchPlanner.Plan(input);
        Assert.Equal(first.Assignments, DispatchPlanner.Plan(input).Assignments);
        Assert.Equal(first.Decisions, DispatchPlanner.Plan(input).Decisions);
        Assert.Equal(first.Assignments, DispatchPlanner.Plan(shuffled).Assignments);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    public void Shortlists_only_affect_speed_never_the_plan(int seed)
    {
        var input = Scenario.Random(seed, pools: 2, membersPerPool: 12, beads: 200);
        var full = DispatchPlanner.Plan(input with { Options = PlannerOptions.Default with { CandidatesPerMember = 10_000 } });
        var tiny = DispatchPlanner.Plan(input with { Options = PlannerOptions.Default with { CandidatesPerMember = 1 } });
        Assert.Equal(full.Assignments, tiny.Assignments);
        Assert.Equal(full.Decisions, tiny.Decisions);
    }
}
