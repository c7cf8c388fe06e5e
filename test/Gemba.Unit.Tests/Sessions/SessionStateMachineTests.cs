using Gemba.Grains.Sessions;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Unit.Tests.Dispatch;
using static Gemba.Grains.Sessions.SessionStateMachine;

namespace Gemba.Unit.Tests.Sessions;

public sealed class SessionStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly PoolKey Pool = new("local", "engineer");

    private static BeadAssignment Bead(string id, string token = "tok-1") => new(id, id, "do " + id, ["auth"], ["src/a.ts"], token);

    private static SessionSnapshot Working(string bead = "gm-1", string token = "tok-1") =>
        Assign(Create("s-1", Pool, T0), Bead(bead, token), T0.AddSeconds(1)).Next;

    private static SessionSnapshot Idle(string bead = "gm-1") =>
        BeadDone(Working(bead), bead, null, Traits.Of(bead, ["auth"]), true, T0.AddMinutes(5)).Next;

    private static void Rejected(Transition t, SessionSnapshot before, string fragment)
    {
        Assert.False(t.Changed);
        Assert.NotNull(t.Rejection);
        Assert.Contains(fragment, t.Rejection);
        Assert.Same(before, t.Next);
    }

    [Fact]
    public void Create_starts_initializing_with_an_empty_profile()
    {
        var s = Create("s-1", Pool, T0);
        Assert.Equal((SessionStatus.Initializing, 0L, T0, T0), (s.Status, s.Incarnation, s.CreatedAt, s.StatusSince));
        Assert.True(s.Profile.IsEmpty);
        Assert.Null(s.CurrentBead);
    }

    [Fact]
    public void Assign_from_initializing_or_ready_starts_work_and_bumps_the_incarnation()
    {
        var first = Assign(Create("s-1", Pool, T0), Bead("gm-1"), T0.AddSeconds(1));
        Assert.True(first.Changed);
        Assert.Equal((SessionStatus.Working, "gm-1", "tok-1", 1L), (first.Next.Status, first.Next.CurrentBead, first.Next.ClaimToken, first.Next.Incarnation));
        Assert.Equal(T0.AddSeconds(1), first.Next.LastDispatchAt);

        var second = Assign(Idle(), Bead("gm-2", "tok-2"), T0.AddMinutes(6));
        Assert.True(second.Changed);
        Assert.Equal((SessionStatus.Working, "gm-2", 2L), (second.Next.Status, second.Next.CurrentBead, second.Next.Incarnation));
    }

    [Fact]
    public void Assign_twice_with_the_same_claim_is_idempotent()
    {
        var s = Working();
        var again = Assign(s, Bead("gm-1"), T0.AddMinutes(1));
        Assert.True(again.Accepted);
        Assert.False(again.Changed);
        Assert.Same(s, again.Next);
    }

    [Fact]
    public void Assign_to_a_busy_recycling_or_ended_member_is_rejected()
    {
        var busy = Working();
        Rejected(Assign(busy, Bead("gm-2", "tok-2"), T0), busy, "session busy with gm-1");
        var recycling = BeginRecycle(Idle(), T0.AddMinutes(6)).Next;
        Rejected(Assign(recycling, Bead("gm-2", "tok-2"), T0), recycling, "busy (recycling)");
        var failed = Fail(Idle(), "pane died", T0.AddMinutes(6)).Next;
        Rejected(Assign(failed, Bead("gm-2", "tok-2"), T0), failed, "session failed");
    }

    [Fact]
    public void Clean_bead_done_returns_to_ready_and_learns_the_bead()
    {
        var t = BeadDone(Working(), "gm-1", "tok-1", Traits.Of("gm-1", ["auth"], ["src/auth/a.ts"]), true, T0.AddMinutes(5));
        Assert.True(t.Changed);
        Assert.Null(t.Escalation);
        var s = t.Next;
        Assert.Equal((SessionStatus.Ready, 1, 1, "gm-1"), (s.Status, s.BeadsDone, s.BeadsSinceRecycle, s.LastBead));
        Assert.Null(s.CurrentBead);
        Assert.Null(s.ClaimToken);
        Assert.Equal(1.0, s.Profile.Concepts["auth"]);
        Assert.Equal(T0.AddMinutes(5), s.Profile.LastBeadAt);
        Assert.Equal(T0.AddMinutes(5), s.StatusSince);
    }

    [Fact]
    public void Bead_done_without_a_bead_id_finishes_the_current_bead()
    {
        var t = BeadDone(Working(), null, null, null, true, T0.AddMinutes(5));
        Assert.True(t.Changed);
        Assert.Equal(("gm-1", SessionStatus.Ready), (t.Next.LastBead, t.Next.Status));
        Assert.Equal(["gm-1"], t.Next.Profile.LastBeads.ToArray());
    }

    [Theory]
    [InlineData(SessionStatus.Prompting)]
    [InlineData(SessionStatus.Stalled)]
    public void Bead_done_is_accepted_from_prompting_and_stalled(SessionStatus status)
    {
        var s = ReportState(Working(), status, T0.AddMinutes(1)).Next;
        Assert.Equal(status, s.Status);
        Assert.Equal(SessionStatus.Ready, BeadDone(s, "gm-1", null, null, true, T0.AddMinutes(2)).Next.Status);
    }

    [Fact]
    public void A_stale_bead_done_is_fenced_off()
    {
        var s = Working("gm-2", "tok-2");
        Rejected(BeadDone(s, "gm-1", null, null, true, T0), s, "stale bead-done for gm-1");
        Rejected(BeadDone(s, "gm-2", "tok-1", null, true, T0), s, "claim token");
    }

    [Fact]
    public void Bead_done_when_not_working_is_rejected_but_a_retry_is_harmless()
    {
        var idle = Idle();
        var retry = BeadDone(idle, "gm-1", null, null, true, T0.AddMinutes(6));
        Assert.True(retry.Accepted);
        Assert.False(retry.Changed);
        Rejected(BeadDone(idle, "gm-9", null, null, true, T0), idle, "not working");
        var fresh = Create("s-1", Pool, T0);
        Rejected(BeadDone(fresh, null, null, null, true, T0), fresh, "not working");
    }

    [Fact]
    public void Dirty_worktree_keeps_the_member_working_and_escalates()
    {
        var s = Working();
        var t = BeadDone(s, "gm-1", "tok-1", null, false, T0.AddMinutes(5));
        Assert.True(t.Accepted);
        Assert.False(t.Changed);
        Assert.Equal(DirtyWorktreeEscalation, t.Escalation);
        Assert.Equal((SessionStatus.Working, "gm-1", 0), (t.Next.Status, t.Next.CurrentBead, t.Next.BeadsDone));
        Assert.Equal("bead-done with dirty worktree", t.Next.Reason);
    }

    [Fact]
    public void Recycle_clears_the_profile_and_fences_the_old_context()
    {
        var idle = Idle();
        var begun = BeginRecycle(idle, T0.AddMinutes(6));
        Assert.True(begun.Changed);
        Assert.Equal(SessionStatus.Recycling, begun.Next.Status);

        var ended = EndRecycle(begun.Next, T0.AddMinutes(7));
        Assert.True(ended.Changed);
        var s = ended.Next;
        Assert.Equal((SessionStatus.Ready, 0, 1, idle.Incarnation + 1), (s.Status, s.BeadsSinceRecycle, s.BeadsDone, s.Incarnation));
        Assert.True(s.Profile.IsEmpty);
        Assert.Equal(T0.AddMinutes(7), s.LastRecycleAt);
    }

    [Fact]
    public void Recycle_needs_an_idle_member()
    {
        var busy = Working();
        Rejected(BeginRecycle(busy, T0), busy, "recycle requires status ready, got working");
        var idle = Idle();
        Rejected(EndRecycle(idle, T0), idle, "not recycling");
    }

    [Fact]
    public void Fail_ends_any_live_member_but_keeps_its_bead_for_release()
    {
        var t = Fail(Working(), "agent exited", T0.AddMinutes(2));
        Assert.True(t.Changed);
        Assert.Equal((SessionStatus.Failed, "gm-1", "agent exited", 1), (t.Next.Status, t.Next.CurrentBead, t.Next.Reason, t.Next.FailureCount));
        Rejected(Fail(t.Next, "again", T0.AddMinutes(3)), t.Next, "already failed");
        Assert.Equal(SessionStatus.Failed, Fail(Create("s-2", Pool, T0), "no template", T0).Next.Status);
    }

    [Fact]
    public void Reap_ends_a_member_idle_past_the_ceiling()
    {
        var idle = Idle(); // idle since T0+5m
        Rejected(Reap(idle, TimeSpan.FromMinutes(30), T0.AddMinutes(34)), idle, "ceiling 30");
        var t = Reap(idle, TimeSpan.FromMinutes(30), T0.AddMinutes(35));
        Assert.True(t.Changed);
        Assert.Equal(SessionStatus.Completed, t.Next.Status);
        Rejected(Reap(idle, TimeSpan.FromMinutes(-1), T0.AddDays(3)), idle, "disabled");
    }

    [Fact]
    public void The_reaper_never_touches_a_claim_holder()
    {
        var working = Working();
        Rejected(Reap(working, TimeSpan.Zero, T0.AddDays(1)), working, "not idle");
        // Even a member that (wrongly) looks ready while holding a claim is left alone.
        var odd = Idle() with { CurrentBead = "gm-7", ClaimToken = "tok-7" };
        Rejected(Reap(odd, TimeSpan.Zero, T0.AddDays(1)), odd, "not idle");
        var initializing = Create("s-3", Pool, T0);
        Rejected(Reap(initializing, TimeSpan.Zero, T0.AddDays(1)), initializing, "not idle");
    }

    [Fact]
    public void State_reports_move_live_members_and_are_ignored_once_ended()
    {
        var s = Working();
        var prompting = ReportState(s, SessionStatus.Prompting, T0.AddMinutes(1));
        Assert.True(prompting.Changed);
        Assert.Equal(SessionStatus.Prompting, prompting.Next.Status);
        Assert.False(ReportState(prompting.Next, SessionStatus.Prompting, T0.AddMinutes(2)).Changed);

        var booted = ReportState(Create("s-2", Pool, T0), SessionStatus.Ready, T0.AddSeconds(5));
        Assert.Equal(SessionStatus.Ready, booted.Next.Status);

        var failed = Fail(s, "x", T0).Next;
        var ignored = ReportState(failed, SessionStatus.Working, T0.AddMinutes(1));
        Assert.True(ignored.Accepted);
        Assert.False(ignored.Changed);
        Assert.Equal(SessionStatus.Failed, ignored.Next.Status);
    }

    [Fact]
    public void Reports_cannot_drop_a_claim_or_fake_a_lifecycle_state()
    {
        var s = Working();
        Rejected(ReportState(s, SessionStatus.Ready, T0), s, "holding gm-1");
        Rejected(ReportState(s, SessionStatus.Completed, T0), s, "cannot be reported");
        Rejected(ReportState(s, SessionStatus.Recycling, T0), s, "cannot be reported");
    }

    [Fact]
    public void The_summary_mirrors_the_snapshot()
    {
        var s = Working();
        var summary = s.ToSummary("%3");
        Assert.Equal((s.SessionId, s.Status, s.CurrentBead, s.Incarnation, "%3"), (summary.SessionId, summary.Status, summary.CurrentBead, summary.Incarnation, summary.PaneId));
    }
}
