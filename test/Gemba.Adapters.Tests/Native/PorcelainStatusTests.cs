using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>Reading <c>git status --porcelain -z</c>: which paths count as a member's uncommitted work.</summary>
public sealed class PorcelainStatusTests
{
    [Fact]
    public void Renames_spaces_and_gemba_directories_are_read_right()
    {
        const string output = "R  new name.txt\0old name.txt\0?? .gemba/\0 M .beads/issues.jsonl\0?? .beads-notes.md\0 D src/gone.cs\0?? .gembarc\0";

        Assert.Equal(["new name.txt", ".gemba/", ".beads/issues.jsonl", ".beads-notes.md", "src/gone.cs", ".gembarc"], PorcelainStatus.Paths(output));
        // only the directories themselves are gemba's: look-alike names are the member's work
        Assert.Equal(["new name.txt", ".beads-notes.md", "src/gone.cs", ".gembarc"], PorcelainStatus.WorkPaths(output));
    }

    [Fact]
    public void No_output_is_no_work() => Assert.Empty(PorcelainStatus.WorkPaths(""));
}
