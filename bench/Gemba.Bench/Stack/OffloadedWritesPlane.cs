using Gemba.Beads;
using Gemba.WorkPlanes;

namespace Gemba.Bench.Stack;

/// <summary>
/// What-if for the throughput diagnosis, never used for a headline number: forwards to the real
/// JSONL plane but starts each write on the thread pool, so writes issued in a loop (as
/// DispatcherGrain.Execute issues claims) are queued together and share one file rewrite,
/// and the blocking file I/O leaves the Orleans scheduler. This is the fix proposed for
/// JsonlWorkPlane.WriteAsync, applied from outside.
/// </summary>
internal sealed class OffloadedWritesPlane(IWorkPlane inner) : IWorkPlane, IDisposable
{
    public WorkPlaneInfo Info => inner.Info;

    public event Action? Changed
    {
        add => inner.Changed += value;
        remove => inner.Changed -= value;
    }

    public Task<WorkPlaneSnapshot> SnapshotAsync(CancellationToken cancellationToken = default) => inner.SnapshotAsync(cancellationToken);

    public Task<Bead?> GetAsync(string beadId, CancellationToken cancellationToken = default) => inner.GetAsync(beadId, cancellationToken);

    public Task<ClaimOutcome> ClaimAsync(string beadId, string actor, CancellationToken cancellationToken = default) =>
        Task.Run(() => inner.ClaimAsync(beadId, actor, cancellationToken), CancellationToken.None);

    public Task<bool> ReleaseAsync(string beadId, string actor, CancellationToken cancellationToken = default) =>
        Task.Run(() => inner.ReleaseAsync(beadId, actor, cancellationToken), CancellationToken.None);

    public Task<bool> CloseAsync(string beadId, string actor, string reason, CancellationToken cancellationToken = default) =>
        Task.Run(() => inner.CloseAsync(beadId, actor, reason, cancellationToken), CancellationToken.None);

    public Task AddLabelAsync(string beadId, string label, CancellationToken cancellationToken = default) =>
        Task.Run(() => inner.AddLabelAsync(beadId, label, cancellationToken), CancellationToken.None);

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
