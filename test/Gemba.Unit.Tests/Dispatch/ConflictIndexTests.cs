using System.Diagnostics;
using Gemba.Grains.Dispatch;
using Xunit.Abstractions;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class ConflictIndexTests(ITestOutputHelper output)
{
    private static ConflictIndex With(params BeadTraits[] held)
    {
        var index = new ConflictIndex();
        foreach (var t in held) index.Add(t.BeadId, t);
        return index;
    }

    [Fact]
    public void Same_repo_and_branch_conflict_with_a_reason()
    {
        var index = With(Traits.Of("gm-12", repo: "acme/api", branch: "main"));
        Assert.Equal("same repo+branch as gm-12 (acme/api@main)",
            index.FindConflict(Traits.Of("gm-13", repo: "acme/api", branch: "main")));
    }

    [Theory]
    [InlineData("acme/api", "dev")]
    [InlineData("acme/web", "main")]
    [InlineData("acme/api", null)]
    [InlineData(null, "main")]
    [InlineData("Acme/API", "main")]
    public void Different_or_incomplete_repo_branch_does_not_conflict(string? repo, string? branch)
    {
        var index = With(Traits.Of("gm-12", repo: "acme/api", branch: "main"));
        Assert.Null(index.FindConflict(Traits.Of("gm-13", repo: repo, branch: branch)));
    }

    [Theory]
    [InlineData("/wt/a/")]
    [InlineData("/wt/./a")]
    [InlineData("/wt//a")]
    [InlineData("/wt/b/../a")]
    public void Worktree_paths_are_compared_normalised(string path)
    {
        var index = With(Traits.Of("gm-3", worktree: "/wt/a"));
        Assert.Equal("same worktree as gm-3 (/wt/a)", index.FindConflict(Traits.Of("gm-4", worktree: path)));
    }

    [Fact]
    public void Different_worktrees_do_not_conflict() =>
        Assert.Null(With(Traits.Of("gm-3", worktree: "/wt/a")).FindConflict(Traits.Of("gm-4", worktree: "/wt/ab")));

    [Theory]
    [InlineData("src/**", "src/a/b.ts")]
    [InlineData("src/a/b.ts", "src/**")]
    [InlineData("src/auth/*.ts", "src/auth/login.ts")]
    [InlineData("src/a/b.ts", "./src/a/b.ts")]
    [InlineData("src/**", "src/auth/*.ts")]
    [InlineData("src/auth/**", "src/**/*.go")]
    [InlineData("**/*.md", "docs/readme.md")]
    [InlineData("src/*/index.ts", "src/auth/index.ts")]
    [InlineData("src/[ab]/x.ts", "src/b/x.ts")]
    [InlineData("src/auth/", "src/auth/login.ts")]
    [InlineData("src/*.ts", "src/*.md")]
    public void Overlapping_file_targets_conflict(string held, string asked)
    {
        var index = With(Traits.Of("gm-7", files: [held]));
        var reason = index.FindConflict(Traits.Of("gm-8", files: ["other/thing.txt", asked]));
        Assert.NotNull(reason);
        Assert.StartsWith("overlapping files with gm-7 (", reason);
    }

    [Theory]
    [InlineData("src/auth/**", "src/billing/**")]
    [InlineData("src/auth/**", "src/billing/x.ts")]
    [InlineData("src/a/b.ts", "src/a/c.ts")]
    [InlineData("src/auth/*.ts", "src/auth/deep/login.ts")]
    [InlineData("docs/*.md", "src/readme.md")]
    [InlineData("src/[ab]/x.ts", "src/c/x.ts")]
    [InlineData("src/a", "src/a/b.ts")]
    public void Disjoint_file_targets_do_not_conflict(string held, string asked) =>
        Assert.Null(With(Traits.Of("gm-7", files: [held])).FindConflict(Traits.Of("gm-8", files: [asked])));

    [Fact]
    public void The_reason_names_the_held_target() =>
        Assert.Equal("overlapping files with gm-7 (src/auth/**)",
            With(Traits.Of("gm-7", files: ["src/auth/**"])).FindConflict(Traits.Of("gm-8", files: ["src/auth/login.ts"])));

    [Fact]
    public void A_bead_never_conflicts_with_itself()
    {
        var self = Traits.Of("gm-1", files: ["src/**", "lib/a.ts"], repo: "acme/api", branch: "main", worktree: "/wt/1");
        Assert.Null(With(self).FindConflict(self));
    }

    [Fact]
    public void Another_holder_of_the_same_key_is_found_past_self()
    {
        var index = With(
            Traits.Of("gm-1", files: ["src/**"], repo: "r", branch: "b"),
            Traits.Of("gm-2", files: ["src/**"], repo: "r", branch: "b"));
        Assert.Contains("gm-2", index.FindConflict(Traits.Of("gm-1", files: ["src/**"], repo: "r", branch: "b")));
        Assert.Contains("gm-2", index.FindConflict(Traits.Of("gm-1", files: ["src/x/y.ts"])));
    }

    [Fact]
    public void Ten_thousand_beads_index_and_query_quickly()
    {
        var beads = Enumerable.Range(0, 10_000).Select(i => Traits.Of($"gm-{i}",
            files: [$"src/mod{i % 500}/file{i}.ts", $"pkg/p{i}/**"],
            repo: $"acme/r{i % 50}", branch: $"b{i}", worktree: $"/wt/{i}")).ToArray();
        var watch = Stopwatch.StartNew();
        var index = With(beads);
        var built = watch.Elapsed;
        var conflicts = beads.Count(b => index.FindConflict(Traits.Of(b.BeadId + "x", files: b.Files.ToArray())) is not null);
        output.WriteLine($"indexed 10,000 beads in {built.TotalMilliseconds:0.0} ms; 10,000 queries in {(watch.Elapsed - built).TotalMilliseconds:0.0} ms");
        Assert.Equal(10_000, conflicts);
        Assert.Null(index.FindConflict(Traits.Of("new", files: ["src/mod1/other.ts", "pkg/q/**"], repo: "acme/r1", branch: "new")));
    }
}
