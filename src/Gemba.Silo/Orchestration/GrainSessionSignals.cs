using Gemba.Orchestration;
using Gemba.Sessions;

namespace Gemba.Silo.Orchestration;

/// <summary>In-process agents (the mock plane) signal through the same grain calls the HTTP API makes.</summary>
internal sealed class GrainSessionSignals(IGrainFactory grains) : ISessionSignals
{
    public Task BeadDoneAsync(string sessionId, string? beadId, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ISessionGrain>(sessionId).BeadDone(beadId);

    public Task FailedAsync(string sessionId, string? beadId, string reason, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ISessionGrain>(sessionId).Fail(beadId, reason);
}
