using Gemba.Api.Endpoints;
using Gemba.Dispatch;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Api.Components.Live;

/// <summary>The outcome of an operator's click, for the notice line.</summary>
internal sealed record ActionOutcome(bool Ok, string Message);

/// <summary>
/// The operator's buttons: the same <see cref="OperatorCalls"/> the HTTP handlers make, worded for the notice line.
/// </summary>
internal static class OperatorActions
{
    public static async Task<ActionOutcome> End(IGrainFactory grains, string sessionId) =>
        await OperatorCalls.EndAsync(grains, sessionId) is { } summary
            ? new(true, $"{sessionId} ended" + (summary.CurrentBead is { } b ? $"; {b} goes back to open" : ""))
            : NoSession(sessionId);

    public static async Task<ActionOutcome> Drain(IGrainFactory grains, string sessionId) =>
        await OperatorCalls.DrainAsync(grains, sessionId) is { } summary
            ? new(true, summary.Status.IsTerminal() ? $"{sessionId} stopped (it was idle)" : $"{sessionId} draining: stops when {summary.CurrentBead ?? "its bead"} is done")
            : NoSession(sessionId);

    public static async Task<ActionOutcome> Recycle(IGrainFactory grains, string sessionId) =>
        await OperatorCalls.RecycleAsync(grains, sessionId) switch
        {
            null => NoSession(sessionId),
            { Accepted: true } => new(true, $"{sessionId} recycled"),
            var result => new(false, result.Message ?? "only an idle member can be recycled"),
        };

    public static async Task<ActionOutcome> SetPause(IGrainFactory grains, string scope, string persona, bool pause)
    {
        var key = new PoolKey(scope, persona);
        return await OperatorCalls.SetPauseAsync(grains, key, pause ? "from the web UI" : null) is not { } view
            ? new(false, $"no pool {key} in force")
            : new(true, view.Pause is null ? $"{key} resumed" : $"{key} paused: no new bead is dispatched to it");
    }

    public static async Task<ActionOutcome> Unpark(IGrainFactory grains, string beadId) =>
        await OperatorCalls.UnparkAsync(grains, beadId)
            ? new(true, $"{beadId} unparked: its failures are forgotten and the next cycle may dispatch it")
            : new(false, $"no parked bead '{beadId}'");

    /// <summary>Manual start through the scope's dispatcher, chosen as the HTTP start chooses it.</summary>
    public static async Task<ActionOutcome> StartNow(IGrainFactory grains, string beadId)
    {
        var (scope, problem) = await OperatorCalls.ScopeForStartAsync(grains, null, null);
        if (scope is null) return new(false, problem!);
        var result = await grains.GetGrain<IDispatcherGrain>(scope).StartManual(new ManualStartRequest(beadId));
        return result.Ok ? new(true, $"{beadId} started on {result.SessionId}: {result.Message}") : new(false, $"{result.Error}: {result.Message}");
    }

    public static async Task<ActionOutcome> Resolve(IGrainFactory grains, string escalationId, DateTimeOffset now) =>
        (await OperatorCalls.ResolveEscalationAsync(grains, escalationId, "resolved by an operator (web UI)", now)).Resolved is not null
            ? new(true, $"escalation {escalationId} resolved")
            : new(false, $"no open escalation '{escalationId}'");

    private static ActionOutcome NoSession(string sessionId) => new(false, $"no session '{sessionId}'");
}
