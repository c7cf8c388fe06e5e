namespace Gemba.Escalations;

/// <summary>
/// Something an operator has to look at: a member that reported bead-done with uncommitted files, or
/// one that has been working without a word from its agent past its pool's stall timeout. Raised by
/// the session, kept open until the session resolves it (the agent reports again with a clean
/// worktree, or signals again), and listed at <c>GET /api/escalations</c>.
/// </summary>
/// <param name="Id">Stable for the life of the escalation: session, kind and the time it was raised.</param>
/// <param name="Files">The dirty paths, relative to the member's worktree (dirty-worktree escalations).</param>
/// <param name="Since">When it was raised; a repeat of the same problem updates it in place and keeps this.</param>
/// <param name="ResolvedAt">Null while open.</param>
[GenerateSerializer, Immutable, Alias("gemba.Escalation")]
public sealed record Escalation(
    string Id,
    string SessionId,
    string Scope,
    string Persona,
    string? BeadId,
    string Kind,
    string Message,
    IReadOnlyList<string> Files,
    DateTimeOffset Since,
    DateTimeOffset? ResolvedAt = null,
    string? Resolution = null)
{
    public bool IsOpen => ResolvedAt is null;
}

/// <summary>The escalation kinds, as they appear on the wire.</summary>
public static class EscalationKinds
{
    /// <summary>bead-done arrived while the member's worktree had uncommitted changes (original §2.2).</summary>
    public const string DirtyWorktree = "dirty_worktree";

    /// <summary>A member held a bead past its pool's <c>stall_timeout_minutes</c> without any signal.</summary>
    public const string Stalled = "stalled";
}
