using Gemba.Beads;
using Gemba.Grains.Dispatch;
using Gemba.WorkItems;

namespace Gemba.Grains.WorkItems;

/// <summary>
/// Which of the six state categories a bead is in: the status says started and closed, gemba's labels
/// say staged, canceled and held back, and the ready predicate of dispatch says what still waits.
/// </summary>
internal static class StateCategoryRules
{
    public static (string Category, string? Why) Of(Bead bead, Func<string, Bead?> lookup, DateTimeOffset now)
    {
        if (bead.IsClosed) return (bead.HasLabel(StateCategories.CanceledLabel) ? StateCategories.Canceled : StateCategories.Completed, null);
        if (bead.Status is BeadStatus.InProgress or BeadStatus.Hooked) return (StateCategories.Started, null);
        if (bead.HasLabel(StateCategories.BacklogLabel)) return (StateCategories.Backlog, "moved to the backlog by an operator");
        if (bead.Status is BeadStatus.Blocked or BeadStatus.Deferred or BeadStatus.Pinned) return (StateCategories.Backlog, $"status is {bead.Status}");
        // Wrappers and decisions never run as a session, so "not runnable" is not a reason to wait.
        var why = ReadySet.WhyNotReady(bead, lookup, now);
        if (why is not null && !why.StartsWith("kind ", StringComparison.Ordinal) && !why.StartsWith("already assigned", StringComparison.Ordinal))
            return (StateCategories.Backlog, why);
        return (bead.HasLabel(StateCategories.StagedLabel) ? StateCategories.Staged : StateCategories.Unstarted, null);
    }

    public static WorkItem Item(Bead bead, Func<string, Bead?> lookup, DateTimeOffset now, string parkedLabel)
    {
        var (category, why) = Of(bead, lookup, now);
        return new WorkItem(bead.Id, bead.Title, bead.IssueType, bead.Status, category, StateCategories.Column(category), bead.Priority,
            bead.Labels, bead.Parent, bead.Assignee, BeadKinds.IsWrapper(bead.IssueType), bead.HasLabel(parkedLabel), why);
    }
}
