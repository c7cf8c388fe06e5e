using Gemba.Grains.Dispatch;
using Gemba.Grains.Sessions;
using Gemba.Sessions;
using Gemba.Unit.Tests.Dispatch;

namespace Gemba.Unit.Tests.Sessions;

public sealed class ProfileBuilderTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void First_bead_sets_its_concepts_files_and_workspace_to_full_weight()
    {
        var p = ProfileBuilder.AfterBead(AffinityProfile.Empty,
            Traits.Of("gm-1", ["Auth", "login"], ["./src/auth/login.ts"], repo: "acme/api", branch: "main"), At);
        Assert.Equal(1.0, p.Concepts["auth"]);
        Assert.Equal(1.0, p.Concepts["login"]);
        Assert.Equal(1.0, p.Files["src/auth/login.ts"]);
        Assert.Equal(1.0, p.Files[ProfileKeys.Repository("acme/api")!]);
        Assert.Equal(1.0, p.Files[ProfileKeys.RepositoryBranch("acme/api", "main")!]);
        Assert.Equal(["gm-1"], p.LastBeads.ToArray());
        Assert.Equal(At, p.LastBeadAt);
    }

    [Fact]
    public void Older_work_decays_and_repeated_work_is_clamped_to_one()
    {
        var p = ProfileBuilder.AfterBead(AffinityProfile.Empty, Traits.Of("gm-1", ["auth", "login"]), At);
        p = ProfileBuilder.AfterBead(p, Traits.Of("gm-2", ["auth"]), At.AddHours(1));
        Assert.Equal(1.0, p.Concepts["auth"]);
        Assert.Equal(0.8, p.Concepts["login"], 9);
        Assert.Equal(At.AddHours(1), p.LastBeadAt);
    }

    [Fact]
    public void Tiny_weights_are_dropped()
    {
        var p = ProfileBuilder.AfterBead(AffinityProfile.Empty, Traits.Of("gm-0", ["old"]), At);
        for (var i = 1; i <= 14; i++) p = ProfileBuilder.AfterBead(p, Traits.Of($"gm-{i}", ["new"]), At);
        Assert.False(p.Concepts.ContainsKey("old")); // 0.8^14 ≈ 0.044 < 0.05
        Assert.True(p.Concepts.ContainsKey("new"));
    }

    [Fact]
    public void At_most_max_entries_are_kept_by_weight()
    {
        var p = ProfileBuilder.AfterBead(AffinityProfile.Empty, Traits.Of("gm-1", ["a", "b", "c"]), At, maxEntries: 4);
        p = ProfileBuilder.AfterBead(p, Traits.Of("gm-2", ["d", "e"]), At, maxEntries: 4);
        Assert.Equal(4, p.Concepts.Count);
        Assert.Equal(1.0, p.Concepts["d"]);
        Assert.Equal(1.0, p.Concepts["e"]);
    }

    [Fact]
    public void Last_beads_keep_the_ten_most_recent()
    {
        var p = AffinityProfile.Empty;
        for (var i = 1; i <= 12; i++) p = ProfileBuilder.AfterBead(p, Traits.Of($"gm-{i}"), At);
        Assert.Equal(Enumerable.Range(3, 10).Select(i => $"gm-{i}").ToArray(), p.LastBeads.ToArray());
    }

    [Fact]
    public void Cleared_is_the_empty_profile() => Assert.True(ProfileBuilder.Cleared.IsEmpty);
}
