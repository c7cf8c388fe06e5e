namespace Gemba.WorkItems;

/// <summary>
/// The original's six state categories (original §3.14), mapped onto beads statuses and gemba's labels;
/// the mapping is documented in <c>docs/work-items.md</c>.
/// </summary>
public static class StateCategories
{
    public const string Backlog = "backlog";
    public const string Unstarted = "unstarted";
    public const string Staged = "staged";
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Canceled = "canceled";

    public static readonly IReadOnlyList<string> All = [Backlog, Unstarted, Staged, Started, Completed, Canceled];

    /// <summary>An open bead an operator moved to the backlog: held back from auto-dispatch.</summary>
    public const string BacklogLabel = "gemba:backlog";

    /// <summary>An open bead staged for the next start (Ready column, "staged").</summary>
    public const string StagedLabel = "gemba:staged";

    /// <summary>A closed bead that was canceled rather than done.</summary>
    public const string CanceledLabel = "gemba:canceled";

    /// <summary>The board's four columns: Backlog, Ready (unstarted and staged), In Progress, Done (completed and canceled).</summary>
    public static string Column(string category) => category switch
    {
        Backlog => "backlog",
        Unstarted or Staged => "ready",
        Started => "in_progress",
        _ => "done",
    };
}

/// <param name="StateCategory">One of <see cref="StateCategories"/>.</param>
/// <param name="Column">The board column: backlog, ready, in_progress or done.</param>
/// <param name="Wrapper">An epic or milestone: dragging it to In Progress starts a cascade.</param>
/// <param name="Why">For a backlog bead, what keeps it there (blocked by, deferred, held back by an operator).</param>
public sealed record WorkItem(
    string Id,
    string Title,
    string Kind,
    string Status,
    string StateCategory,
    string Column,
    int Priority,
    IReadOnlyList<string> Labels,
    string? Parent,
    string? Assignee,
    bool Wrapper,
    bool Parked,
    string? Why);

/// <param name="ClosedTotal">Closed beads in the plane; only the most recently closed are listed.</param>
public sealed record WorkItemList(IReadOnlyList<WorkItem> Items, int ClosedTotal);

/// <param name="Error">One of <see cref="RestageErrors"/> when not <paramref name="Ok"/>.</param>
/// <param name="SessionId">The session a move to started began, if it began one.</param>
public sealed record RestageResult(bool Ok, string? Error, string Message, WorkItem? Item, string? SessionId = null);

public static class RestageErrors
{
    public const string InvalidCategory = "invalid_category";
    public const string NotFound = "work_item_not_found";
    public const string HeldBySession = "held_by_session";
    public const string Blocked = "blocked";
}

/// <summary>The board's data and its moves, over whichever work plane serves the beads.</summary>
public interface IWorkItems
{
    /// <param name="category">Only this state category; null: all.</param>
    /// <param name="query">Case-insensitive match on id or title; null: all.</param>
    /// <param name="closedLimit">How many closed beads (most recently closed first) to include.</param>
    Task<WorkItemList> ListAsync(string? category, string? query, int closedLimit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a bead to <paramref name="category"/>. To started: a task, bug or feature starts a session (a manual
    /// start), a decision or chore only changes state, an epic or milestone starts a cascade.
    /// </summary>
    Task<RestageResult> RestageAsync(string id, string category, CancellationToken cancellationToken = default);
}
