using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Escalations;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Api.Components.Live;

/// <summary>The outcome of an operator's click, for the notice line.</summary>
internal sealed record ActionOutcome(bool Ok, string Message);

/// <summary>
/// The operator's buttons: the same grain calls the HTTP handlers in <c>OperatorApi</c> and
/// <c>EscalationsApi</c> make (those take an <c>HttpRequest</c>, so the views cannot call them as they are).
/// </summary>
internal static class OperatorActions
{
    public static async Task<ActionOutcome> End(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        if (await session.GetSummary() is null) return new(false, $"no session '{sessionId}'");
        var summary = await session.Stop("ended by an operator");
        await grains.GetGrain<IPoolGrain>(summary.Pool.ToString()).MemberChanged(summary);
        return new(true, $"{sessionId} ended" + (summary.CurrentBead is { } b ? $"; {b} goes back to open" : ""));
    }

    public static async Task<ActionOutcome> Drain(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        if (await session.GetSummary() is null) return new(false, $"no session '{sessionId}'");
        var summary = await session.Drain();
        return new(true, summary.Status.IsTerminal() ? $"{sessionId} stopped (it was idle)" : $"{sessionId} draining: stops when {summary.CurrentBead ?? "its bead"} is done");
    }

    public static async Task<ActionOutcome> Recycle(IGrainFactory grains, string sessionId)
    {
        var session = grains.GetGrain<ISessionGrain>(sessionId);
        if (await session.GetSummary() is null) return new(false, $"no session '{sessionId}'");
        var result = await session.Recycle();
        return result.Accepted ? new(true, $"{sessionId} recycled") : new(false, result.Message ?? "only an idle member can be recycled");
    }

    public static async Task<ActionOutcome> SetPause(IGrainFactory grains, string scope, string persona, bool pause)
    {
        var key = new PoolKey(scope, persona);
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        if (config.Pools.All(p => p.Key != key)) return new(false, $"no pool {key} in force");
        var view = await grains.GetGrain<IPoolGrain>(key.ToString()).SetPause(pause ? "from the web UI" : null);
        return new(true, view.Pause is null ? $"{key} resumed" : $"{key} paused: no new bead is dispatched to it");
    }

    public static async Task<ActionOutcome> Unpark(IGrainFactory grains, string beadId)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = config.Scopes.Append(PoolKey.LocalScope).Distinct(StringComparer.Ordinal);
        var answers = await Task.WhenAll(scopes.Select(s => grains.GetGrain<IDispatcherGrain>(s).Unpark(beadId)));
        return answers.Any(a => a)
            ? new(true, $"{beadId} unparked: its failures are forgotten and the next cycle may dispatch it")
            : new(false, $"no parked bead '{beadId}'");
    }

    /// <summary>Manual start through the scope's dispatcher: the only scope in force, else the local one.</summary>
    public static async Task<ActionOutcome> StartNow(IGrainFactory grains, string beadId)
    {
        var config = await grains.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var scopes = config.Scopes.ToList();
        var scope = scopes.Count == 1 ? scopes[0] : PoolKey.LocalScope;
        var result = await grains.GetGrain<IDispatcherGrain>(scope).StartManual(new ManualStartRequest(beadId));
        return result.Ok ? new(true, $"{beadId} started on {result.SessionId}: {result.Message}") : new(false, $"{result.Error}: {result.Message}");
    }

    public static async Task<ActionOutcome> Resolve(IGrainFactory grains, string escalationId)
    {
        var book = grains.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key);
        var list = await book.List();
        if (list.Open.FirstOrDefault(e => e.Id == escalationId) is not { } open)
            return new(false, $"no open escalation '{escalationId}'");
        const string resolution = "resolved by an operator (web UI)";
        await grains.GetGrain<ISessionGrain>(open.SessionId).ResolveEscalation(escalationId, resolution);
        await book.Resolve(escalationId, resolution);
        return new(true, $"escalation {escalationId} resolved");
    }
}
