using Gemba.Beads;
using Gemba.Grains.Dispatch;

namespace Gemba.Unit.Tests.Dispatch;

public sealed class FrontmatterTests
{
    [Theory]
    [InlineData("---\n---\nbody")]
    [InlineData("---\n---")]
    [InlineData("----\nfiles: a\n---")]
    [InlineData("no frontmatter")]
    [InlineData("---\nfiles: a")]
    public void Empty_or_missing_blocks_parse_to_nothing(string description) => Assert.Empty(Frontmatter.Parse(description));

    [Fact]
    public void Traits_read_files_concepts_and_workspace_from_frontmatter()
    {
        var bead = new Bead
        {
            Id = "gm-1",
            Labels = ["Auth", "rig:gemba", "persona:pm"],
            Description = "---\r\nfiles: [src/auth/**, \"lib/a.ts\"]\nconcepts: login, Auth\nrepo: acme/api\nbranch: main\n---\nbody",
        };
        var t = BeadTraits.From(bead);
        Assert.Equal(["src/auth/**", "lib/a.ts"], t.Files);
        Assert.Equal(["auth", "login"], t.Concepts);
        Assert.Equal(("acme/api", "main", "gemba", "pm"), (t.Repository, t.Branch, t.Rig, t.Persona));
    }
}
