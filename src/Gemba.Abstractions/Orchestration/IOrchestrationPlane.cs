using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Orchestration;

/// <summary>
/// Where agents run: tmux panes (<c>native</c>), Gas Town polecats (<c>gastown</c>) or the
/// in-process simulator (<c>mock</c>). Session grains call this port; adapters live in the silo.
/// Completion comes back through <see cref="ISessionSignals"/> (HTTP for real agents).
/// </summary>
public interface IOrchestrationPlane
{
    string AdaptorId { get; }

    /// <summary>Starts a new member and hands it its first bead (none when pre-seeding an idle member).</summary>
    Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default);

    /// <summary>Gives a bead to a live, idle member (warm reuse).</summary>
    Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default);

    /// <summary>Clears the member's context in place (e.g. <c>/clear</c>); the member stays.</summary>
    Task RecycleAsync(SessionHandle handle, CancellationToken cancellationToken = default);

    /// <summary>Ends the member (kill-pane, unsling). Idempotent.</summary>
    Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default);

    Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the member's worktree has no uncommitted changes (original §2.2), and if not, which
    /// files are dirty. Planes without a worktree answer clean. A failing check counts as dirty:
    /// bead-done must not lose work. gemba's own files (<c>.beads/</c>, <c>.gemba/</c>) never count.
    /// </summary>
    Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("gemba.SpawnRequest")]
public sealed record SpawnRequest(string SessionId, PoolKey Pool, string AgentType, BeadAssignment? FirstBead);

/// <summary>The bead-done cleanliness answer: the dirty paths (relative to the worktree) when not clean.</summary>
[GenerateSerializer, Immutable, Alias("gemba.WorktreeStatus")]
public sealed record WorktreeStatus(bool IsClean, IReadOnlyList<string> DirtyFiles, string? Detail)
{
    public static readonly WorktreeStatus Clean = new(true, [], null);

    public static WorktreeStatus Dirty(IReadOnlyList<string> files, string? detail = null) => new(false, files, detail);
}

/// <summary>How the plane finds a member again (pane id for tmux, polecat address for gt).</summary>
[GenerateSerializer, Immutable, Alias("gemba.SessionHandle")]
public sealed record SessionHandle(string SessionId, string Adaptor, string? PaneId, string? Address);

/// <summary>Signals from agents (or the mock plane) back into the cluster.</summary>
public interface ISessionSignals
{
    /// <summary>The agent finished its bead and is going idle (<c>gemba-state bead-done</c>).</summary>
    Task BeadDoneAsync(string sessionId, string? beadId, CancellationToken cancellationToken = default);

    /// <summary>The agent died or could not do the bead.</summary>
    Task FailedAsync(string sessionId, string? beadId, string reason, CancellationToken cancellationToken = default);
}
