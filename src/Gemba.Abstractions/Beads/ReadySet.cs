namespace Gemba.Beads;

/// <summary>
/// The one predicate deciding whether a bead may be handed to an agent now. The dispatcher
/// filters candidates with it and the JSONL work plane re-checks it under its lock when claiming,
/// so "ready" and "claimable" can never disagree (DESIGN §4.2).
/// </summary>
public static class ReadySet
{
    /// <summary>Null when the bead is ready; otherwise why not.</summary>
    public static string? WhyNotReady(Bead bead, Func<string, Bead?> lookup, DateTimeOffset now)
    {
        if (bead.Status != BeadStatus.Open) return $"status is {bead.Status}";
        if (bead.Pinned) return "pinned";
        if (bead.Ephemeral) return "ephemeral";
        if (!BeadKinds.IsRunnable(bead.IssueType)) return $"kind {bead.IssueType} is not runnable";
        if (!string.IsNullOrEmpty(bead.Assignee)) return $"already assigned to {bead.Assignee}";
        if (bead.DeferUntil is { } until && until > now) return $"deferred until {until:O}";
        foreach (var dep in bead.Dependencies)
        {
            if (!DependencyTypes.IsBlocking(dep.Type)) continue;
            var blocker = lookup(dep.DependsOnId);
            if (blocker is not null && !blocker.IsClosed && blocker.Status != BeadStatus.Pinned)
                return $"blocked by {dep.DependsOnId} ({dep.Type}, {blocker.Status})";
        }
        // A deferred or blocked ancestor holds its whole subtree back.
        var seen = new HashSet<string>(StringComparer.Ordinal) { bead.Id };
        for (var parentId = bead.Parent; parentId is not null && seen.Add(parentId);)
        {
            var parent = lookup(parentId);
            if (parent is null) break;
            if (parent.DeferUntil is { } pu && pu > now) return $"parent {parentId} deferred until {pu:O}";
            foreach (var dep in parent.Dependencies)
            {
                if (!DependencyTypes.IsBlocking(dep.Type)) continue;
                var blocker = lookup(dep.DependsOnId);
                if (blocker is not null && !blocker.IsClosed && blocker.Status != BeadStatus.Pinned)
                    return $"parent {parentId} blocked by {dep.DependsOnId}";
            }
            parentId = parent.Parent;
        }
        return null;
    }

    public static bool IsReady(Bead bead, Func<string, Bead?> lookup, DateTimeOffset now) =>
        WhyNotReady(bead, lookup, now) is null;
}
