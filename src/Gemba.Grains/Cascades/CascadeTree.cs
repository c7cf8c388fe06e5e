using Gemba.Beads;
using Gemba.WorkItems;

namespace Gemba.Grains.Cascades;

/// <summary>The leaves under a wrapper and the state they roll up to: pure, over one read of the beads.</summary>
internal static class CascadeTree
{
    /// <summary>
    /// Depth first through parent-child edges: nested epics and milestones are walked through, runnable
    /// children are the leaves (decisions and infrastructure kinds are neither); safe against cycles.
    /// </summary>
    public static IReadOnlyList<Bead> Leaves(string wrapperId, ILookup<string, Bead> childrenOf)
    {
        var leaves = new List<Bead>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { wrapperId };
        var stack = new Stack<string>([wrapperId]);
        while (stack.Count > 0)
        {
            foreach (var child in childrenOf[stack.Pop()].OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                if (!seen.Add(child.Id)) continue;
                if (BeadKinds.IsWrapper(child.IssueType)) stack.Push(child.Id);
                else if (BeadKinds.IsRunnable(child.IssueType)) leaves.Add(child);
            }
        }
        return [.. leaves.OrderBy(l => l.Priority).ThenBy(l => l.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The epics and milestones nested under a wrapper (not the wrapper itself), every one before the wrapper
    /// that holds it, so rolling them up in this order closes a nested epic before its parent is looked at.
    /// </summary>
    public static IReadOnlyList<string> NestedWrappers(string wrapperId, ILookup<string, Bead> childrenOf)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { wrapperId };
        var stack = new Stack<string>([wrapperId]);
        while (stack.Count > 0)
        {
            foreach (var child in childrenOf[stack.Pop()])
            {
                if (!BeadKinds.IsWrapper(child.IssueType) || !seen.Add(child.Id)) continue;
                found.Add(child.Id);
                stack.Push(child.Id);
            }
        }
        // A wrapper is found only after the one holding it: reversed, every nested one precedes its holder.
        found.Reverse();
        return found;
    }

    /// <summary>All leaves closed: completed; any running or closed: started; otherwise unstarted (no leaves: unstarted).</summary>
    public static string RollUp(IReadOnlyList<Bead> leaves)
    {
        if (leaves.Count > 0 && leaves.All(l => l.IsClosed)) return StateCategories.Completed;
        if (leaves.Any(l => l.IsClosed || IsRunning(l))) return StateCategories.Started;
        return StateCategories.Unstarted;
    }

    public static bool IsRunning(Bead bead) => bead.Status is BeadStatus.InProgress or BeadStatus.Hooked;
}
