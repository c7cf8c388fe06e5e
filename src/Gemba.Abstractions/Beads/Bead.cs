namespace Gemba.Beads;

/// <summary>
/// A work item as the beads tracker describes it (reference: beads-and-gastown.md §1).
/// Readers fill defaults for omitted keys: status <c>open</c>, type <c>task</c>, priority 2.
/// </summary>
public sealed record Bead
{
    public required string Id { get; init; }
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public string Status { get; init; } = BeadStatus.Open;
    public int Priority { get; init; } = 2;
    public string IssueType { get; init; } = BeadKinds.Task;
    public string? Assignee { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<BeadDependency> Dependencies { get; init; } = [];
    /// <summary>String-valued metadata; non-string JSON values keep their raw JSON text.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? DeferUntil { get; init; }
    public bool Pinned { get; init; }
    public bool Ephemeral { get; init; }

    public bool IsClosed => Status == BeadStatus.Closed;

    public bool HasLabel(string label) => Labels.Contains(label, StringComparer.Ordinal);

    /// <summary>The parent of this bead (target of its parent-child edge), if any.</summary>
    public string? Parent => Dependencies.FirstOrDefault(d => d.Type == DependencyTypes.ParentChild)?.DependsOnId;

    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>();
}

/// <summary>An edge: this bead depends on (is blocked by, or is the child of) <see cref="DependsOnId"/>.</summary>
public sealed record BeadDependency(string DependsOnId, string Type);

public static class BeadStatus
{
    public const string Open = "open";
    public const string InProgress = "in_progress";
    public const string Blocked = "blocked";
    public const string Deferred = "deferred";
    public const string Closed = "closed";
    public const string Pinned = "pinned";
    public const string Hooked = "hooked";
}

public static class DependencyTypes
{
    public const string Blocks = "blocks";
    public const string ConditionalBlocks = "conditional-blocks";
    public const string WaitsFor = "waits-for";
    public const string ParentChild = "parent-child";

    /// <summary>Edge types whose open target keeps a bead out of the ready set.</summary>
    public static bool IsBlocking(string type) => type is Blocks or ConditionalBlocks or WaitsFor;
}

public static class BeadKinds
{
    public const string Task = "task";
    public const string Bug = "bug";
    public const string Feature = "feature";
    public const string Chore = "chore";
    public const string Epic = "epic";
    public const string Milestone = "milestone";
    public const string Decision = "decision";

    /// <summary>The kinds offered for routing in the editor.</summary>
    public static readonly IReadOnlyList<string> Routable = [Epic, Task, Bug, Decision, Feature, Chore];

    /// <summary>Wrappers and documentation never go to an agent as a bead of their own.</summary>
    private static readonly HashSet<string> NotRunnable = new(StringComparer.Ordinal)
    {
        Epic, Milestone, Decision,
        // beads and Gas Town infrastructure types (reference §1.3, §1.6)
        "merge-request", "gate", "molecule", "message", "agent", "role", "rig", "convoy", "slot", "queue", "event",
    };

    public static bool IsRunnable(string kind) => !NotRunnable.Contains(kind);

    /// <summary>Kinds a routing rule may name that the dispatcher never picks up by itself.</summary>
    public static bool IsNeverAutoDispatched(string kind) => kind is Epic or Milestone or Decision;

    /// <summary>Dragging these into In Progress starts a cascade instead of a session.</summary>
    public static bool IsWrapper(string kind) => kind is Epic or Milestone;
}
