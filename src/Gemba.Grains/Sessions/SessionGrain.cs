using System.Diagnostics;
using Gemba.Cascades;
using Gemba.Dispatch;
using Gemba.Escalations;
using Gemba.Events;
using Gemba.Grains.Diagnostics;
using Gemba.Grains.Escalations;
using Gemba.Grains.Dispatch;
using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;

namespace Gemba.Grains.Sessions;

/// <summary>
/// Thin shell over <see cref="SessionStateMachine"/>: persists each transition, drives the
/// orchestration plane, and tells its pool (and the dispatcher) one-way when it becomes free.
/// </summary>
[GrainType("session")]
internal sealed partial class SessionGrain(
    [PersistentState("session", GembaStorage.Name)] IPersistentState<SessionState> state,
    IOrchestrationPlane plane,
    IWorkPlane workPlane,
    IGembaEvents events,
    TimeProvider time,
    ILogger<SessionGrain> log) : Grain, ISessionGrain
{
    // In memory only: the trace of a bead's end links to its hand-over while this activation lives; a
    // restarted silo loses the link, never the bead.
    private ActivityContext _handOver;

    private string Id => this.GetPrimaryKeyString();

    private DateTimeOffset Now => time.GetUtcNow();

    public async Task<MemberSummary> Start(PoolKey pool, string agentType, BeadAssignment? first)
    {
        if (state.State.Snapshot is { } existing && !existing.Status.IsTerminal())
        {
            // A retried start (dispatcher failover) must not spawn a second agent.
            if (first is null || existing.ClaimToken == first.ClaimToken) return Summary(existing);
            throw new InvalidOperationException($"session {Id} already exists ({existing.Status.ToWire()})");
        }

        var snapshot = SessionStateMachine.Create(Id, pool, Now);
        state.State.AgentType = agentType;
        if (first is not null)
        {
            snapshot = Apply(SessionStateMachine.Assign(snapshot, first, Now));
            state.State.Current = first;
            state.State.LastSignalAt = Now;
        }
        state.State.Snapshot = snapshot;
        await state.WriteStateAsync();

        try
        {
            state.State.Handle = await plane.SpawnAsync(new SpawnRequest(Id, pool, agentType, first));
        }
        catch (Exception ex)
        {
            LogSpawnFailed(Id, ex);
            await FailCore(first?.BeadId, SessionStateMachine.SpawnFailedPrefix + ex.Message, blameBead: false);
            return Summary(state.State.Snapshot!);
        }

        if (first is null)
            state.State.Snapshot = Apply(SessionStateMachine.ReportState(state.State.Snapshot!, SessionStatus.Ready, Now));
        else
            MarkWorking(first.BeadId);
        await state.WriteStateAsync();
        Publish("started");
        return Summary(state.State.Snapshot!);
    }

    public async Task<MemberSummary> Assign(BeadAssignment assignment, bool recycleFirst)
    {
        var snapshot = Require();
        if (snapshot.ClaimToken == assignment.ClaimToken) return Summary(snapshot);
        if (state.State.Draining) throw new InvalidOperationException($"session {Id} is draining: it takes no new bead");

        // An idle member without a handle lost its spawn's outcome (its silo died mid-spawn): nothing can be
        // delivered to it, so it ends like a dead agent instead of failing every assignment forever.
        if (snapshot.Status == SessionStatus.Ready && (state.State.Handle is not { } handle || !await plane.IsAliveAsync(handle)))
        {
            // Not the bead's fault: end the member before it takes the bead, so nothing is counted against it.
            var reason = state.State.Handle is null ? "no orchestration handle (its spawn was interrupted)" : "agent is gone (checked before assigning)";
            state.State.Snapshot = Apply(SessionStateMachine.Stop(snapshot, reason, Now));
            await state.WriteStateAsync();
            Publish("gone");
            // The pool only learns from the exception that the hand-over failed: tell it the member ended,
            // or it keeps offering the member until its next maintenance.
            NotifyUp();
            throw new InvalidOperationException($"session {Id}: {reason}");
        }

        if (recycleFirst && snapshot.Status == SessionStatus.Ready)
            snapshot = await RecycleCore(snapshot);

        var transition = SessionStateMachine.Assign(snapshot, assignment, Now);
        if (transition.Rejection is { } why) throw new InvalidOperationException($"session {Id}: {why}");
        state.State.Snapshot = transition.Next;
        state.State.Current = assignment;
        state.State.LastSignalAt = Now;
        await state.WriteStateAsync();

        try
        {
            await plane.DeliverAsync(Handle(), assignment);
        }
        catch (Exception ex)
        {
            LogDeliverFailed(Id, assignment.BeadId, ex);
            await FailCore(assignment.BeadId, $"delivery failed: {ex.Message}");
            throw new InvalidOperationException($"session {Id}: delivery of {assignment.BeadId} failed: {ex.Message}", ex);
        }
        MarkWorking(assignment.BeadId);
        Publish("assigned");
        return Summary(state.State.Snapshot);
    }

    public async Task<SignalResult> BeadDone(string? beadId)
    {
        if (state.State.Snapshot is not { } snapshot) return SignalResult.Rejected("unknown", $"no session {Id}");
        var bead = snapshot.CurrentBead;
        using var span = GembaActivities.StartBeadDone(Id, beadId ?? bead, _handOver);
        var worktree = state.State.Handle is { } handle && snapshot.CurrentBead is not null
            ? await plane.CheckWorktreeAsync(handle)
            : WorktreeStatus.Clean;
        var traits = state.State.Current is { } current ? TraitsOf(current) : null;
        var transition = SessionStateMachine.BeadDone(snapshot, beadId, null, traits, worktree.IsClean, Now);

        if (transition.Escalation is not null)
        {
            // The agent is still there and still holds the bead: it hears why and can fix it.
            var escalation = EscalationRules.DirtyWorktree(snapshot, state.State.Escalation, worktree.DirtyFiles, worktree.Detail, Now);
            state.State.LastSignalAt = Now;
            await Escalate(escalation);
            span.Outcome("escalated", escalation.Message);
            return new SignalResult(false, snapshot.Status.ToWire(), escalation.Message);
        }
        if (transition.Rejection is { } why)
        {
            span.Outcome("rejected", why);
            return SignalResult.Rejected(snapshot.Status.ToWire(), why);
        }

        state.State.Snapshot = transition.Next;
        state.State.Current = null;
        state.State.LastSignalAt = Now;
        ResolveEscalation("the agent reported bead-done with a clean worktree");
        if (bead is not null && !await Close(bead))
            LogCloseSkipped(Id, bead);
        _handOver = default;
        span.Outcome("done");

        var stopReason = IsOneShot ? "one-shot session finished its bead" : state.State.Draining ? "drained: finished its bead" : null;
        if (stopReason is not null)
            state.State.Snapshot = Apply(SessionStateMachine.Stop(state.State.Snapshot, stopReason, Now));
        await state.WriteStateAsync();
        if (stopReason is not null) await StopAgent();

        Publish("bead-done");
        NotifyUp();
        // A leaf of a cascade that ended lets the cascade start its next leaf now.
        if (bead is not null) GrainFactory.GetGrain<ICascadesGrain>(ICascadesGrain.Key).BeadEnded(bead).Ignore();
        return new SignalResult(true, state.State.Snapshot.Status.ToWire(), null);
    }

    private async Task<bool> Close(string bead)
    {
        using var span = GembaActivities.StartClose(bead, Id);
        var closed = await workPlane.CloseAsync(bead, Id, $"done by {Id}");
        span.Outcome(closed ? "closed" : "not-closed");
        return closed;
    }

    private void MarkWorking(string beadId)
    {
        GembaActivities.MarkWorking(beadId, Id);
        _handOver = Activity.Current?.Context ?? default;
    }

    public async Task<SignalResult> ReportState(string token)
    {
        if (string.Equals(token, "bead-done", StringComparison.OrdinalIgnoreCase)) return await BeadDone(null);
        if (state.State.Snapshot is not { } snapshot) return SignalResult.Rejected("unknown", $"no session {Id}");
        if (!SessionStatusNames.TryParse(token, out var reported) || reported.IsTerminal() || reported == SessionStatus.Recycling)
            return SignalResult.Rejected(snapshot.Status.ToWire(), $"unknown state token '{token}'");

        var transition = SessionStateMachine.ReportState(snapshot, reported, Now);
        if (transition.Rejection is { } why) return SignalResult.Rejected(snapshot.Status.ToWire(), why);
        state.State.LastSignalAt = Now;
        var unstalled = state.State.Escalation is { Kind: EscalationKinds.Stalled };
        if (unstalled) ResolveEscalation($"the agent signalled '{token}'");
        if (transition.Changed || unstalled)
        {
            state.State.Snapshot = transition.Next;
            await state.WriteStateAsync();
            Publish("state");
            NotifyUp();
        }
        return new SignalResult(true, transition.Next.Status.ToWire(), null);
    }

    public async Task<SignalResult> Fail(string? beadId, string reason)
    {
        if (state.State.Snapshot is not { } snapshot) return SignalResult.Rejected("unknown", $"no session {Id}");
        if (beadId is not null && snapshot.CurrentBead is not null && beadId != snapshot.CurrentBead)
            return SignalResult.Rejected(snapshot.Status.ToWire(), $"stale failure for {beadId}; session holds {snapshot.CurrentBead}");
        await FailCore(snapshot.CurrentBead, reason);
        return new SignalResult(true, state.State.Snapshot!.Status.ToWire(), null);
    }

    public async Task<MemberSummary?> Reap(TimeSpan ceiling)
    {
        if (state.State.Snapshot is not { } snapshot) return null;
        var transition = SessionStateMachine.Reap(snapshot, ceiling, Now);
        if (!transition.Changed) return Summary(snapshot);
        state.State.Snapshot = transition.Next;
        await state.WriteStateAsync();
        await StopAgent();
        Publish("reaped");
        return Summary(transition.Next);
    }

    public async Task<MemberSummary> Stop(string reason)
    {
        var snapshot = Require();
        if (snapshot.Status.IsTerminal()) return Summary(snapshot);
        if (snapshot.CurrentBead is { } bead) await workPlane.ReleaseAsync(bead, Id);
        state.State.Snapshot = Apply(SessionStateMachine.Stop(snapshot, reason, Now));
        state.State.Current = null;
        ResolveEscalation($"the session was stopped: {reason}");
        await state.WriteStateAsync();
        await StopAgent();
        Publish("stopped");
        return Summary(state.State.Snapshot);
    }

    public async Task<MemberSummary> Drain()
    {
        var snapshot = Require();
        if (snapshot.Status.IsTerminal()) return Summary(snapshot);
        if (snapshot.CurrentBead is null && snapshot.Status == SessionStatus.Ready)
        {
            var stopped = await Stop("drained by an operator");
            NotifyUp();
            return stopped;
        }
        if (!state.State.Draining)
        {
            state.State.Draining = true;
            await state.WriteStateAsync();
            Publish("draining: stops after its bead");
            NotifyUp();
        }
        return Summary(snapshot);
    }

    public async Task<SignalResult> Recycle()
    {
        if (state.State.Snapshot is not { } snapshot) return SignalResult.Rejected("unknown", $"no session {Id}");
        if (snapshot.Status != SessionStatus.Ready || snapshot.CurrentBead is not null)
            return SignalResult.Rejected(snapshot.Status.ToWire(),
                $"session {Id} is {snapshot.Status.ToWire()}{(snapshot.CurrentBead is { } b ? $" holding {b}" : "")}: only an idle member can be recycled (drain it to stop after its bead)");
        state.State.Snapshot = await RecycleCore(snapshot);
        await state.WriteStateAsync();
        NotifyUp();
        return new SignalResult(true, state.State.Snapshot.Status.ToWire(), "recycled");
    }

    public async Task<bool> ResolveEscalation(string escalationId, string resolution)
    {
        if (state.State.Escalation?.Id != escalationId) return false;
        ResolveEscalation(resolution);
        await state.WriteStateAsync();
        NotifyUp();
        return true;
    }

    public async Task<MemberSummary?> CheckAlive(TimeSpan stallAfter)
    {
        if (state.State.Snapshot is not { } snapshot || snapshot.Status.IsTerminal()) return state.State.Snapshot is { } s ? Summary(s) : null;
        if (state.State.Handle is not { } handle || await plane.IsAliveAsync(handle))
        {
            var lastSignal = state.State.LastSignalAt ?? snapshot.StatusSince;
            if (EscalationRules.Stalled(snapshot, state.State.Escalation, lastSignal, stallAfter, Now) is { } stalled)
            {
                await Escalate(stalled);
                LogStalled(Id, snapshot.CurrentBead!, stalled.Message);
            }
            return Summary(snapshot);
        }
        if (snapshot.CurrentBead is not null)
        {
            await FailCore(snapshot.CurrentBead, "agent is gone (its pane or process ended)");
        }
        else
        {
            state.State.Snapshot = Apply(SessionStateMachine.Stop(snapshot, "agent is gone", Now));
            await state.WriteStateAsync();
            Publish("gone");
        }
        return Summary(state.State.Snapshot!);
    }

    public Task<MemberSummary?> GetSummary() =>
        Task.FromResult(state.State.Snapshot is { } s ? Summary(s) : null);

    private async Task<SessionSnapshot> RecycleCore(SessionSnapshot snapshot)
    {
        var begun = Apply(SessionStateMachine.BeginRecycle(snapshot, Now));
        await plane.RecycleAsync(Handle());
        var done = Apply(SessionStateMachine.EndRecycle(begun, Now));
        events.Publish(new GembaEvent(GembaEventKinds.SessionChanged, Now, done.Pool.Scope, done.Pool.Persona, Id, null, done.Status.ToWire(), "recycled"));
        return done;
    }

    /// <param name="blameBead">False when the agent never started: the pool backs off instead, and the bead is not counted as failed.</param>
    private async Task FailCore(string? beadId, string reason, bool blameBead = true)
    {
        var snapshot = Require();
        var holding = snapshot.CurrentBead ?? beadId;
        state.State.Snapshot = Apply(SessionStateMachine.Fail(snapshot, reason, Now));
        state.State.Current = null;
        ResolveEscalation($"the session failed: {reason}");
        await state.WriteStateAsync();
        if (holding is not null)
        {
            // The bead goes back to open so it is not stranded; the dispatcher counts the failure.
            await workPlane.ReleaseAsync(holding, Id);
            if (blameBead) GrainFactory.GetGrain<IDispatcherGrain>(snapshot.Pool.Scope).BeadFailed(holding, Id, reason, Now).Ignore();
        }
        await StopAgent();
        LogFailed(Id, holding, reason);
        Publish(reason);
        NotifyUp();
    }

    /// <summary>Opens or updates the member's escalation: persisted with the session, listed cluster-wide, streamed.</summary>
    private async Task Escalate(Escalation escalation)
    {
        var isNew = state.State.Escalation?.Id != escalation.Id;
        state.State.Escalation = escalation;
        await state.WriteStateAsync();
        GrainFactory.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).Upsert(escalation).Ignore();
        var s = state.State.Snapshot!;
        events.Publish(new GembaEvent(GembaEventKinds.Escalation, Now, s.Pool.Scope, s.Pool.Persona, Id, escalation.BeadId, escalation.Kind, escalation.Message));
        if (isNew) NotifyUp();
    }

    /// <summary>Resolves the open escalation, if any; the caller persists the session state.</summary>
    private void ResolveEscalation(string resolution)
    {
        if (state.State.Escalation is not { } open) return;
        var resolved = EscalationRules.Resolve(open, resolution, Now);
        state.State.Escalation = null;
        GrainFactory.GetGrain<IEscalationsGrain>(IEscalationsGrain.Key).Upsert(resolved).Ignore();
        events.Publish(new GembaEvent(GembaEventKinds.EscalationResolved, Now, open.Scope, open.Persona, Id, open.BeadId, open.Kind, resolution));
    }

    private async Task StopAgent()
    {
        if (state.State.Handle is not { } handle) return;
        try { await plane.StopAsync(handle); }
        catch (Exception ex) { LogStopFailed(Id, ex); }
    }

    private void NotifyUp()
    {
        var snapshot = state.State.Snapshot!;
        GrainFactory.GetGrain<IPoolGrain>(snapshot.Pool.ToString()).MemberChanged(Summary(snapshot)).Ignore();
        GrainFactory.GetGrain<IDispatcherGrain>(snapshot.Pool.Scope).Poke().Ignore();
    }

    private void Publish(string message)
    {
        var s = state.State.Snapshot!;
        events.Publish(new GembaEvent(GembaEventKinds.SessionChanged, Now, s.Pool.Scope, s.Pool.Persona, Id, s.CurrentBead ?? s.LastBead, s.Status.ToWire(), message));
    }

    private bool IsOneShot => string.Equals(state.State.AgentType, "codex", StringComparison.Ordinal);

    private SessionSnapshot Require() =>
        state.State.Snapshot ?? throw new InvalidOperationException($"session {Id} does not exist");

    private SessionHandle Handle() =>
        state.State.Handle ?? throw new InvalidOperationException($"session {Id} has no orchestration handle");

    private SessionSnapshot Apply(Transition transition) =>
        transition.Rejection is { } why ? throw new InvalidOperationException($"session {Id}: {why}") : transition.Next;

    private MemberSummary Summary(SessionSnapshot s) =>
        s.ToSummary(state.State.Handle?.PaneId) with { Escalation = state.State.Escalation, Draining = state.State.Draining && !s.Status.IsTerminal() };

    private static BeadTraits TraitsOf(BeadAssignment a) =>
        new(a.BeadId, a.Title, "task", 2, null, null, a.Concepts, a.Files, a.Repository, a.Branch, a.Worktree, new Dictionary<string, string>());

    [LoggerMessage(Level = LogLevel.Warning, Message = "session {SessionId}: spawn failed")]
    private partial void LogSpawnFailed(string sessionId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "session {SessionId}: delivering {BeadId} failed")]
    private partial void LogDeliverFailed(string sessionId, string beadId, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "session {SessionId}: {BeadId} was not closed by us (no longer held, or already closed)")]
    private partial void LogCloseSkipped(string sessionId, string beadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "session {SessionId} failed holding {BeadId}: {Reason}")]
    private partial void LogFailed(string sessionId, string? beadId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "session {SessionId} stalled on {BeadId}: {Message}")]
    private partial void LogStalled(string sessionId, string beadId, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session {SessionId}: stopping the agent failed")]
    private partial void LogStopFailed(string sessionId, Exception ex);
}
