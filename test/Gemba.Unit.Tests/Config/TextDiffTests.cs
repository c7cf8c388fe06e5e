using Gemba.Config;

namespace Gemba.Unit.Tests.Config;

public sealed class TextDiffTests
{
    private static string Render(IEnumerable<DiffLine> diff) =>
        string.Join("|", diff.Select(d => (d.Op switch { DiffOp.Added => "+", DiffOp.Removed => "-", _ => " " }) + d.Text));

    [Fact]
    public void A_changed_value_is_one_removal_then_one_addition_between_unchanged_lines()
    {
        var diff = TextDiff.Lines("[pool]\nsize = 2 # two\nfloor = 0.5\n", "[pool]\nsize = 3 # two\nfloor = 0.5\n");
        Assert.Equal(" [pool]|-size = 2 # two|+size = 3 # two| floor = 0.5", Render(diff));
        var removed = diff.Single(d => d.Op == DiffOp.Removed);
        var added = diff.Single(d => d.Op == DiffOp.Added);
        Assert.Equal((2, (int?)null), (removed.OldLine!.Value, removed.NewLine));
        Assert.Equal(((int?)null, 2), (added.OldLine, added.NewLine!.Value));
    }

    [Fact]
    public void Inserted_and_deleted_blocks_keep_the_common_lines_in_order()
    {
        var diff = TextDiff.Lines("a\nb\nc\nd\n", "a\nx\nc\nd\ne\n");
        Assert.Equal(" a|-b|+x| c| d|+e", Render(diff));
        Assert.True(TextDiff.HasChanges(diff));
    }

    [Fact]
    public void Identical_texts_have_no_changes_and_a_missing_final_newline_adds_no_line()
    {
        Assert.False(TextDiff.HasChanges(TextDiff.Lines("a\nb\n", "a\nb\n")));
        Assert.Equal(2, TextDiff.Lines("a\nb", "a\nb").Count);
        Assert.Equal("+a|+b", Render(TextDiff.Lines("", "a\nb\n")));
    }

    [Fact]
    public void A_file_beyond_the_line_limit_degrades_to_remove_all_add_all_with_the_common_edges_kept()
    {
        var old = string.Concat(Enumerable.Range(0, TextDiff.MaxLines + 10).Select(i => $"line {i}\n"));
        var changed = string.Concat(Enumerable.Range(0, TextDiff.MaxLines + 10).Select(i => i % 2 == 0 ? $"line {i}\n" : $"edited {i}\n"));
        var diff = TextDiff.Lines(old, changed);
        Assert.Equal(" line 0", Render(diff.Take(1)));
        Assert.Equal(TextDiff.MaxLines + 9, diff.Count(d => d.Op == DiffOp.Removed));
        Assert.Equal(TextDiff.MaxLines + 9, diff.Count(d => d.Op == DiffOp.Added));
    }
}
