using Gemba.Beads;
using Gemba.Grains.Cascades;
using Gemba.WorkItems;

namespace Gemba.Unit.Tests.Cascades;

public sealed class CascadeTreeTests
{
    private static Bead B(string id, string kind = BeadKinds.Task, string? parent = null, string status = BeadStatus.Open, int priority = 2) =>
        new()
        {
            Id = id, IssueType = kind, Status = status, Priority = priority,
            Dependencies = parent is null ? [] : [new BeadDependency(parent, DependencyTypes.ParentChild)],
        };

    private static ILookup<string, Bead> ChildrenOf(params Bead[] beads) =>
        beads.Where(b => b.Parent is not null).ToLookup(b => b.Parent!, StringComparer.Ordinal);

    [Fact]
    public void Leaves_walk_through_nested_wrappers_and_skip_what_does_not_run()
    {
        var tree = ChildrenOf(
            B("top", "epic"), B("t-2", parent: "top", priority: 3), B("mid", "milestone", "top"), B("m-1", parent: "mid", priority: 1),
            B("low", "epic", "mid"), B("l-1", "bug", "low"), B("why", "decision", "top"));

        Assert.Equal(["m-1", "l-1", "t-2"], CascadeTree.Leaves("top", tree).Select(b => b.Id));
        Assert.Equal(["l-1"], CascadeTree.Leaves("low", tree).Select(b => b.Id));
    }

    [Fact]
    public void Nested_wrappers_come_before_the_wrapper_that_holds_them_and_a_cycle_ends()
    {
        var tree = ChildrenOf(
            B("top", "epic", parent: "low"), B("a", "epic", "top"), B("b", "milestone", "top"), B("low", "epic", "a"), B("leaf", parent: "low"));

        var order = CascadeTree.NestedWrappers("top", tree).ToList();
        Assert.Equal(["a", "b", "low"], order.Order(StringComparer.Ordinal)); // each once, the root not among them
        Assert.True(order.IndexOf("low") < order.IndexOf("a"), string.Join(",", order));
        Assert.Empty(CascadeTree.NestedWrappers("leaf", tree));
    }

    [Theory]
    [InlineData(new[] { BeadStatus.Closed, BeadStatus.Closed }, StateCategories.Completed)]
    [InlineData(new[] { BeadStatus.Closed, BeadStatus.Open }, StateCategories.Started)]
    [InlineData(new[] { BeadStatus.InProgress, BeadStatus.Open }, StateCategories.Started)]
    [InlineData(new[] { BeadStatus.Open, BeadStatus.Open }, StateCategories.Unstarted)]
    [InlineData(new string[0], StateCategories.Unstarted)]
    public void Roll_up_reads_the_leaves(string[] statuses, string expected) =>
        Assert.Equal(expected, CascadeTree.RollUp([.. statuses.Select((s, i) => B($"l-{i}", status: s))]));
}
