using Gemba.Beads;
using Gemba.Grains.WorkItems;
using Gemba.WorkItems;

namespace Gemba.Unit.Tests.WorkItems;

public sealed class StateCategoryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Bead B(string id, string status = BeadStatus.Open, string kind = BeadKinds.Task, string[]? labels = null, BeadDependency[]? deps = null, DateTimeOffset? defer = null, string? assignee = null) =>
        new() { Id = id, Status = status, IssueType = kind, Labels = labels ?? [], Dependencies = deps ?? [], DeferUntil = defer, Assignee = assignee };

    private static string Of(Bead bead, params Bead[] others)
    {
        var all = others.Append(bead).ToDictionary(b => b.Id);
        return StateCategoryRules.Of(bead, id => all.GetValueOrDefault(id), Now).Category;
    }

    [Fact]
    public void Statuses_and_labels_map_onto_the_six_categories()
    {
        Assert.Equal(StateCategories.Completed, Of(B("a", BeadStatus.Closed)));
        Assert.Equal(StateCategories.Canceled, Of(B("a", BeadStatus.Closed, labels: [StateCategories.CanceledLabel])));
        Assert.Equal(StateCategories.Started, Of(B("a", BeadStatus.InProgress, assignee: "s-1")));
        Assert.Equal(StateCategories.Started, Of(B("a", BeadStatus.Hooked)));
        Assert.Equal(StateCategories.Staged, Of(B("a", labels: [StateCategories.StagedLabel])));
        Assert.Equal(StateCategories.Unstarted, Of(B("a")));
        Assert.Equal(StateCategories.Backlog, Of(B("a", labels: [StateCategories.BacklogLabel, StateCategories.StagedLabel])));
        Assert.Equal(StateCategories.Backlog, Of(B("a", BeadStatus.Deferred)));
        Assert.Equal(StateCategories.Backlog, Of(B("a", defer: Now.AddDays(1))));
    }

    [Fact]
    public void An_open_blocker_keeps_a_bead_in_the_backlog_and_says_so_but_kinds_no_session_runs_are_not_held_back()
    {
        var blocker = B("blocker");
        var blocked = B("a", deps: [new BeadDependency("blocker", DependencyTypes.Blocks)]);
        Assert.Equal(StateCategories.Backlog, Of(blocked, blocker));
        Assert.Contains("blocked by blocker", StateCategoryRules.Of(blocked, id => id == "blocker" ? blocker : null, Now).Why);
        Assert.Equal(StateCategories.Unstarted, Of(blocked, B("blocker", BeadStatus.Closed)));

        Assert.Equal(StateCategories.Unstarted, Of(B("e", kind: BeadKinds.Epic)));
        Assert.Equal(StateCategories.Unstarted, Of(B("d", kind: BeadKinds.Decision)));
    }

    [Fact]
    public void Columns_group_the_categories_as_the_board_shows_them()
    {
        Assert.Equal(["backlog", "ready", "ready", "in_progress", "done", "done"], StateCategories.All.Select(StateCategories.Column));
    }
}
