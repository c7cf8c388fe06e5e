using Gemba.Beads;
using Gemba.Grains.Dispatch;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class ClaimReconcileTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly PoolKey Pool = new("local", "engineer");

    private static MemberSummary Member(string id, SessionStatus status, string? current = null, string? last = null, string? reason = null) =>
        new(id, Pool, status, current, last, 0, 0, 1, AffinityProfile.Empty, T0, T0, null, null, null, reason);

    private static PoolView View(params MemberSummary[] members) => new(null, members, []);

    private static ClaimRecord Claim(string session, bool confirmed = false) => new(session, Pool, "token", confirmed, T0);

    private static Dictionary<string, Bead> Beads(params Bead[] beads) => beads.ToDictionary(b => b.Id);

    private static Bead InProgress(string id, string assignee) => new() { Id = id, Status = BeadStatus.InProgress, Assignee = assignee };

    [Fact]
    public void A_claim_the_pool_view_shows_held_is_confirmed_without_asking_anyone()
    {
        var claims = new Dictionary<string, ClaimRecord> { ["b1"] = Claim("s1"), ["b2"] = Claim("s2", confirmed: true) };
        var findings = ClaimReconcile.Survey(claims, [View(Member("s1", SessionStatus.Working, "b1"), Member("s2", SessionStatus.Working, "b2"))], Beads());

        Assert.True(findings.Settled);
        Assert.True(findings.Changed);
        Assert.True(claims["b1"].Confirmed);

        var again = ClaimReconcile.Survey(claims, [View(Member("s1", SessionStatus.Working, "b1"), Member("s2", SessionStatus.Working, "b2"))], Beads());
        Assert.False(again.Changed); // nothing to write when the ledger already agrees
    }

    [Fact]
    public void A_claim_held_by_another_session_than_the_ledger_says_is_not_confirmed()
    {
        var claims = new Dictionary<string, ClaimRecord> { ["b1"] = Claim("s1") };
        var findings = ClaimReconcile.Survey(claims, [View(Member("s9", SessionStatus.Working, "b1"))], Beads());

        Assert.Equal(["s1"], findings.ToAsk);
        Assert.False(claims["b1"].Confirmed);
    }

    [Fact]
    public void An_unheld_claim_is_adopted_dropped_or_released_by_what_its_session_says()
    {
        var claims = new Dictionary<string, ClaimRecord>
        {
            ["held"] = Claim("s-held"), ["done"] = Claim("s-done", true), ["lost"] = Claim("s-lost", true), ["failed"] = Claim("s-failed", true),
        };
        var beads = Beads(InProgress("held", "s-held"), InProgress("done", "s-done"), InProgress("lost", "s-lost"), InProgress("failed", "s-failed"));
        var findings = ClaimReconcile.Survey(claims, [View()], beads);
        Assert.Equal(["s-done", "s-failed", "s-held", "s-lost"], findings.ToAsk.Order());

        var held = Member("s-held", SessionStatus.Working, current: "held");
        var settlement = ClaimReconcile.Settle(claims, findings, new Dictionary<string, MemberSummary?>
        {
            ["s-held"] = held,
            ["s-done"] = Member("s-done", SessionStatus.Ready, last: "done"),
            ["s-lost"] = Member("s-lost", SessionStatus.Ready, last: "other"),
            ["s-failed"] = Member("s-failed", SessionStatus.Failed, current: "failed", reason: "pane died") with { StatusSince = T0.AddSeconds(7) },
        }, beads);

        Assert.True(settlement.Changed);
        Assert.Equal([held], settlement.Adopt);                               // its pool never heard: adopt
        Assert.True(claims["held"].Confirmed);
        Assert.False(claims.ContainsKey("done"));                             // bead-done closes it: just forget the claim
        Assert.Equal([new ClaimReconcile.BeadHolder("failed", "s-failed"), new ClaimReconcile.BeadHolder("lost", "s-lost")],
            settlement.Release.OrderBy(r => r.BeadId));                       // nobody holds them: back to the plane
        Assert.False(claims.ContainsKey("lost") || claims.ContainsKey("failed"));
        var (holder, reason, failedAt) = Assert.Single(settlement.Failed);    // only the failed session counts against its bead
        Assert.Equal(("failed", "s-failed", "pane died", T0.AddSeconds(7)), (holder.BeadId, holder.SessionId, reason, failedAt));
        Assert.Empty(settlement.Stranded);
    }

    [Fact]
    public void A_claim_whose_session_cannot_be_asked_waits_for_the_next_cycle()
    {
        var claims = new Dictionary<string, ClaimRecord> { ["b1"] = Claim("s1", true) };
        var beads = Beads(InProgress("b1", "s1"));
        var findings = ClaimReconcile.Survey(claims, [View()], beads);

        var settlement = ClaimReconcile.Settle(claims, findings, new Dictionary<string, MemberSummary?>(), beads);

        Assert.False(settlement.Changed);
        Assert.Empty(settlement.Release);
        Assert.True(claims.ContainsKey("b1"));
    }

    [Fact]
    public void A_lost_claim_on_a_bead_no_longer_in_progress_under_that_session_is_dropped_without_a_release()
    {
        // The bead was closed, or another writer reassigned it: releasing would undo their change.
        var claims = new Dictionary<string, ClaimRecord> { ["closed"] = Claim("s1", true), ["taken"] = Claim("s2", true) };
        var beads = Beads(new Bead { Id = "closed", Status = BeadStatus.Closed, Assignee = "s1" }, InProgress("taken", "someone-else"));
        var findings = ClaimReconcile.Survey(claims, [View()], beads);

        var settlement = ClaimReconcile.Settle(claims, findings, new Dictionary<string, MemberSummary?>
        {
            ["s1"] = Member("s1", SessionStatus.Ready), ["s2"] = null,
        }, beads);

        Assert.Empty(claims);
        Assert.Empty(settlement.Release);
    }

    [Fact]
    public void An_in_progress_bead_of_one_of_our_sessions_outside_the_ledger_is_released_only_when_that_session_lost_it()
    {
        var claims = new Dictionary<string, ClaimRecord>();
        var beads = Beads(InProgress("stray", "s1"), InProgress("kept", "s2"), InProgress("foreign", "not-ours"), InProgress("viewed", "s3"));
        var views = new[] { View(Member("s1", SessionStatus.Ready), Member("s2", SessionStatus.Working), Member("s3", SessionStatus.Working, "viewed")) };
        var findings = ClaimReconcile.Survey(claims, views, beads);

        // A bead assigned to someone outside our pools is not ours to touch; one a view shows held is fine.
        Assert.Equal([new ClaimReconcile.BeadHolder("kept", "s2"), new ClaimReconcile.BeadHolder("stray", "s1")], findings.Strays.OrderBy(s => s.BeadId));

        var settlement = ClaimReconcile.Settle(claims, findings, new Dictionary<string, MemberSummary?>
        {
            ["s1"] = Member("s1", SessionStatus.Ready, last: "other"),
            ["s2"] = Member("s2", SessionStatus.Working, current: "kept"),
        }, beads);

        Assert.Equal([new ClaimReconcile.BeadHolder("stray", "s1")], settlement.Release);
        Assert.Equal(settlement.Release, settlement.Stranded);
        Assert.Empty(settlement.Adopt);
    }

    [Fact]
    public void A_retired_member_still_counts_as_ours()
    {
        var claims = new Dictionary<string, ClaimRecord>();
        var beads = Beads(InProgress("b1", "s-old"));
        var view = new PoolView(null, [], [Member("s-old", SessionStatus.Working)]);

        Assert.Equal(["s-old"], ClaimReconcile.Survey(claims, [view], beads).ToAsk);
    }

    [Theory]
    [InlineData(SessionStatus.Working, "b", null, "Yes")]
    [InlineData(SessionStatus.Failed, "b", null, "No")]
    [InlineData(SessionStatus.Ready, null, "b", "Finished")]
    [InlineData(SessionStatus.Failed, null, "b", "No")]
    [InlineData(SessionStatus.Ready, "other", "x", "No")]
    public void Classify_tells_held_finished_and_lost_apart(SessionStatus status, string? current, string? last, string expected) =>
        Assert.Equal(expected, ClaimReconcile.Classify(Member("s", status, current, last), "b").ToString());

    [Fact]
    public void An_unknown_session_holds_nothing() => Assert.Equal(ClaimReconcile.Holding.No, ClaimReconcile.Classify(null, "b"));
}
