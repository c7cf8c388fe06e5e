using Gemba.Grains.Dispatch;
using Gemba.Grains.Sessions;
using Gemba.Sessions;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class AffinityScorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static AffinityProfile Warm(params BeadTraits[] history)
    {
        var profile = AffinityProfile.Empty;
        foreach (var bead in history) profile = ProfileBuilder.AfterBead(profile, bead, Now.AddMinutes(-10));
        return profile;
    }

    private static readonly BeadTraits Auth1 = Traits.Of("gm-1", ["auth", "login"], ["src/auth/login.ts"], repo: "acme/api", branch: "main");
    private static readonly BeadTraits Auth2 = Traits.Of("gm-2", ["auth", "session"], ["src/auth/session.ts"], repo: "acme/api", branch: "main");

    public static TheoryData<BeadTraits> AnyBead => new()
    {
        Traits.Of("a"),
        Traits.Of("b", ["auth"]),
        Traits.Of("c", ["x", "y", "z"], ["src/**", "lib/q.ts"], repo: "r", branch: "b", worktree: "/w"),
    };

    [Theory]
    [MemberData(nameof(AnyBead))]
    public void A_fresh_member_clears_the_default_floor_for_any_bead(BeadTraits bead)
    {
        var scores = AffinityScorer.Score(bead, AffinityProfile.Empty, Now);
        Assert.Equal(0.575, scores.Combined, 6);
        Assert.True(scores.Combined >= 0.5);
        Assert.Equal(0.5, scores.ConceptOverlap);
        Assert.Equal(1.0, scores.Headroom);
    }

    [Fact]
    public void A_warm_member_scores_high_on_related_work()
    {
        var scores = AffinityScorer.Score(
            Traits.Of("gm-3", ["auth", "login"], ["src/auth/login.ts"], repo: "acme/api", branch: "main"), Warm(Auth1, Auth2), Now);
        Assert.True(scores.Combined > 0.8, $"combined {scores.Combined}");
        Assert.True(scores.ConceptOverlap > 0.7);
        Assert.Equal(1.0, scores.WorkspaceMatch);
        Assert.True(scores.Recency > 0.9);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("src/billing/invoice.ts", "acme/billing")]
    public void A_warm_member_scores_below_the_floor_on_unrelated_work(string? file, string? repo)
    {
        var bead = Traits.Of("gm-9", ["billing", "invoice"], file is null ? [] : [file], repo: repo, branch: repo is null ? null : "main");
        var scores = AffinityScorer.Score(bead, Warm(Auth1, Auth2), Now);
        Assert.True(scores.Combined < 0.5, $"combined {scores.Combined}");
        Assert.Equal(0, scores.ConceptOverlap);
        Assert.Equal(0, scores.Recency);
    }

    [Fact]
    public void Recency_decays_linearly_over_four_hours()
    {
        var profile = Warm(Auth1);
        var bead = Traits.Of("gm-5", ["auth"]);
        var last = profile.LastBeadAt!.Value;
        Assert.Equal(1.0, AffinityScorer.Score(bead, profile, last).Recency, 6);
        Assert.Equal(0.5, AffinityScorer.Score(bead, profile, last.AddHours(2)).Recency, 6);
        Assert.Equal(0.0, AffinityScorer.Score(bead, profile, last.AddHours(5)).Recency, 6);
    }

    [Fact]
    public void Same_repository_other_branch_is_half_a_match()
    {
        var scores = AffinityScorer.Score(Traits.Of("gm-5", repo: "ACME/api", branch: "dev"), Warm(Auth1), Now);
        Assert.Equal(0.5, scores.WorkspaceMatch, 6);
        Assert.Equal(1.0, AffinityScorer.Score(Traits.Of("gm-6", repo: "acme/api"), Warm(Auth1), Now).WorkspaceMatch, 6);
        Assert.Equal(0.0, AffinityScorer.Score(Traits.Of("gm-7", repo: "acme/web"), Warm(Auth1), Now).WorkspaceMatch, 6);
    }

    [Fact]
    public void File_familiarity_is_the_mean_over_the_beads_targets()
    {
        var scores = AffinityScorer.Score(Traits.Of("gm-5", files: ["./src/auth/login.ts", "src/other.ts"]), Warm(Auth1), Now);
        Assert.Equal(0.5, scores.FileFamiliarity, 6);
    }

    [Fact]
    public void A_neighbouring_file_is_half_familiar()
    {
        Assert.Equal(0.5, AffinityScorer.Score(Traits.Of("gm-5", files: ["src/auth/token.ts"]), Warm(Auth1), Now).FileFamiliarity, 6);
        Assert.Equal(0.5, AffinityScorer.Score(Traits.Of("gm-6", files: ["src/auth/**"]), Warm(Auth1), Now).FileFamiliarity, 6);
        Assert.Equal(0.0, AffinityScorer.Score(Traits.Of("gm-7", files: ["src/authz/a.ts"]), Warm(Auth1), Now).FileFamiliarity, 6);
    }

    [Fact]
    public void Headroom_is_continuous_and_monotone()
    {
        Assert.Equal(1.0, AffinityScorer.Headroom(0));
        Assert.Equal(1.0, AffinityScorer.Headroom(0.5));
        Assert.Equal(0.0, AffinityScorer.Headroom(1.0));
        var previous = 1.0;
        for (var p = 0.0; p <= 1.0; p += 0.001)
        {
            var h = AffinityScorer.Headroom(p);
            Assert.True(h <= previous + 1e-12, $"rises at {p}");
            Assert.True(previous - h < 0.01, $"jumps at {p}: {previous} → {h}");
            previous = h;
        }
        // The original jumped from ~0 back to 1.0 at 0.85; ours is 0.3 there from both sides.
        Assert.Equal(0.3, AffinityScorer.Headroom(0.85), 6);
        Assert.Equal(AffinityScorer.Headroom(0.8499999), AffinityScorer.Headroom(0.85), 4);
    }

    [Fact]
    public void Context_pressure_comes_from_beads_since_recycle()
    {
        Assert.Equal(0, AffinityScorer.ContextPressure(3, 0));
        Assert.Equal(0.6, AffinityScorer.ContextPressure(3, 5), 6);
        Assert.Equal(1, AffinityScorer.ContextPressure(9, 5));
        var tired = AffinityScorer.Score(Traits.Of("x"), AffinityProfile.Empty, Now, contextPressure: 0.75);
        Assert.Equal(0.5, tired.Headroom, 6);
    }

    [Fact]
    public void Custom_weights_apply_and_combined_stays_in_range()
    {
        var weights = new AffinityWeights(1, 0, 0, 0, 0);
        var scores = AffinityScorer.Score(Traits.Of("gm-3", ["auth"]), Warm(Auth1), Now, weights);
        Assert.Equal(scores.ConceptOverlap, scores.Combined, 9);
        Assert.InRange(AffinityScorer.Score(Traits.Of("x"), Warm(Auth1), Now, new AffinityWeights(2, 2, 2, 2, 2)).Combined, 0, 1);
    }
}
