using Gemba.Beads;

namespace Gemba.WorkPlanes;

/// <summary>
/// Where beads live (the <c>bd</c> CLI, or a JSONL file owned by gemba). Implementations are
/// adapters in the silo; grains see only this port.
/// </summary>
public interface IWorkPlane
{
    WorkPlaneInfo Info { get; }

    /// <summary>
    /// Every bead the plane knows that matters to dispatch: open ones (candidates) and in-progress
    /// ones (for conflicts and reconciliation). A blocker missing from the snapshot counts as closed.
    /// Problems (malformed lines, CLI warnings) are reported, never thrown, when the rest is usable.
    /// </summary>
    Task<WorkPlaneSnapshot> SnapshotAsync(CancellationToken cancellationToken = default);

    Task<Bead?> GetAsync(string beadId, CancellationToken cancellationToken = default);

    /// <summary>Every bead, closed ones included: the board's data (the snapshot leaves closed beads out).</summary>
    Task<IReadOnlyList<Bead>> ListAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// An operator moves a bead that no session holds to <paramref name="status"/> (open, in_progress or
    /// closed, with <paramref name="reason"/> for a close). False when a session holds it: end that first.
    /// </summary>
    Task<bool> SetStatusAsync(string beadId, string status, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-swap claim: succeeds only when the bead is still ready (same predicate as the
    /// ready set) and unassigned, or already claimed by the same <paramref name="actor"/>.
    /// </summary>
    Task<ClaimOutcome> ClaimAsync(string beadId, string actor, CancellationToken cancellationToken = default);

    /// <summary>Puts a claimed bead back to open, only if <paramref name="actor"/> still holds it.</summary>
    Task<bool> ReleaseAsync(string beadId, string actor, CancellationToken cancellationToken = default);

    /// <summary>Closes the bead, only if <paramref name="actor"/> holds it (fencing); returns false otherwise.</summary>
    Task<bool> CloseAsync(string beadId, string actor, string reason, CancellationToken cancellationToken = default);

    Task AddLabelAsync(string beadId, string label, CancellationToken cancellationToken = default);

    /// <summary>Removes a label; a bead without it is left as it is.</summary>
    Task RemoveLabelAsync(string beadId, string label, CancellationToken cancellationToken = default);

    /// <summary>Raised (on any thread) when beads may have changed outside gemba's own writes.</summary>
    event Action? Changed;
}

public sealed record WorkPlaneInfo(string AdaptorId, string Version, string Mode, string Source);

public sealed record WorkPlaneSnapshot(IReadOnlyList<Bead> Beads, IReadOnlyList<WorkPlaneProblem> Problems, DateTimeOffset TakenAt)
{
    public static WorkPlaneSnapshot Empty(DateTimeOffset at) => new([], [], at);
}

/// <summary>Something the plane could not read, with where it is (e.g. file and line).</summary>
public sealed record WorkPlaneProblem(string Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

public enum ClaimStatus
{
    Claimed,
    AlreadyClaimed,
    NotClaimable,
    NotFound,
    Error,
}

public sealed record ClaimOutcome(ClaimStatus Status, string? Message = null)
{
    public static readonly ClaimOutcome Claimed = new(ClaimStatus.Claimed);
    public bool Succeeded => Status == ClaimStatus.Claimed;
}
