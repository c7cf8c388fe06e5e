using System.Diagnostics;
using Gemba.Beads;
using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Grains.Diagnostics;
using Gemba.Grains.Dispatch.Placement;
using Gemba.Grains.Pools;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// One dispatch cycle per scope: snapshot the work plane and the pools, reconcile the claim
/// ledger, plan with <see cref="DispatchPlanner"/>, claim, and hand beads to pools.
/// A grain timer is the backstop, a reminder brings the grain back after a silo dies, and
/// <see cref="Poke"/> coalesces events into a cycle that starts within milliseconds.
/// Scopes are spread over the cluster's silos (<see cref="ScopeSpreadPlacement"/>); <see cref="CheckPlacement"/> moves one.
/// </summary>
[GrainType("dispatcher"), ScopeSpreadPlacement]
internal sealed partial class DispatcherGrain(
    [PersistentState("dispatcher", GembaStorage.Name)] IPersistentState<DispatcherState> state,
    [PersistentState("decisions", GembaStorage.Name)] IPersistentState<DecisionLogState> decisionLog,
    IWorkPlane workPlane,
    IGembaEvents events,
    IOptions<DispatchOptions> options,
    GembaInstruments instruments,
    IClusterManifestProvider manifests,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<DispatcherGrain> log) : Grain, IDispatcherGrain, IDispatcherWake, IRemindable, IGrainMigrationParticipant
{
    private const string KeepAliveReminder = "dispatcher-keepalive";
    private const int WhatIfDecisionLimit = 200;
    private static readonly TimeSpan DecisionSaveInterval = TimeSpan.FromSeconds(5);

    private readonly DecisionLog _decisions = new(options.Value.DecisionLogSize);
    private readonly Dictionary<string, DateTimeOffset> _readySince = new(StringComparer.Ordinal);
    // Traits are re-read only for beads whose record changed (planes hand back the same instance otherwise).
    private readonly Dictionary<string, (Bead Bead, BeadTraits Traits)> _traits = new(StringComparer.Ordinal);
    /// <summary>Beads parked after this cycle's snapshot was taken: their label is not in it yet.</summary>
    private readonly HashSet<string> _parkedSinceSnapshot = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;
    private bool _running;
    private bool _scheduled;
    private bool _dirty;
    private bool _migrated;
    private Orleans.Metadata.MajorMinorVersion? _placementChecked;
    private long _decisionsSaved;
    private DateTimeOffset _decisionsSavedAt;

    private string Scope => this.GetPrimaryKeyString();

    private DispatchOptions Options => options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _decisions.Restore(decisionLog.State.Recent);
        _decisionsSavedAt = time.GetUtcNow();
        _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(Options.Tick, Options.Tick)
        {
            Interleave = false,
            KeepAlive = true,
        });
        // Pokes that reached the old activation while it was going idle may have left only a Wake
        // behind, forwarded here without its dirty flag: a moved dispatcher runs a cycle to catch up.
        if (_migrated) Poke().Ignore();
        return Task.CompletedTask;
    }

    public Task CheckPlacement()
    {
        // Placement decides: when it picks the silo this activation is on, Orleans drops the move.
        this.MigrateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Backstop of the membership watcher's <see cref="CheckPlacement"/>: silos starting together may
    /// place a dispatcher while their view of the cluster is partial, after the watcher's asks.
    /// Re-checked whenever this silo's cluster manifest changes.
    /// </summary>
    private void CheckPlacementIfSilosChanged()
    {
        var manifest = manifests.Current;
        if (_placementChecked is { } checkedAt && checkedAt.Equals(manifest.Version)) return;
        _placementChecked = manifest.Version;
        var home = ScopeSpreadDirector.Home(Scope, [.. manifest.Silos.Keys], membership.CurrentSnapshot);
        if (home is not null && !home.Equals(GrainContext.Address.SiloAddress)) this.MigrateOnIdle();
    }

    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // The persistent states travel by themselves; the in-memory caches are rebuilt by the next cycle.
    }

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext) => _migrated = true;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        instruments.ScopeForgotten(Scope);
        await SaveDecisions(force: true);
    }

    /// <summary>Persists the decision log when it changed, at most every <see cref="DecisionSaveInterval"/> unless forced.</summary>
    private async Task SaveDecisions(bool force = false)
    {
        if (_decisions.Version == _decisionsSaved) return;
        var now = time.GetUtcNow();
        if (!force && now - _decisionsSavedAt < DecisionSaveInterval) return;
        decisionLog.State.Recent = [.. _decisions.Snapshot()];
        try
        {
            await decisionLog.WriteStateAsync();
            (_decisionsSaved, _decisionsSavedAt) = (_decisions.Version, now);
        }
        catch (Exception ex)
        {
            // The log is for people; losing a write of it must not fail a cycle.
            LogDecisionsNotSaved(Scope, ex);
        }
    }

    public async Task Start() =>
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The activation (re)armed the timer; a cycle now catches up on anything missed while down.
        Poke().Ignore();
        return Task.CompletedTask;
    }

    public Task Poke()
    {
        _dirty = true;
        if (!_running && !_scheduled)
        {
            _scheduled = true;
            this.AsReference<IDispatcherWake>().Wake().Ignore();
        }
        return Task.CompletedTask;
    }

    /// <summary>Runs queued work as a normal (non-interleaved) turn; pokes during a cycle trigger one more.</summary>
    public async Task Wake()
    {
        _scheduled = false;
        var rounds = 0;
        while (_dirty && rounds++ < 8)
        {
            _dirty = false;
            await Cycle(maintenance: false);
        }
        // Still poked after a run of cycles: go round again as a new message, so queued calls get a turn.
        WakeIfPoked();
    }

    public async Task<CycleReport> RunCycle()
    {
        var report = await Cycle(maintenance: false);
        WakeIfPoked();
        return report;
    }

    public Task<IReadOnlyList<DispatchDecision>> GetDecisions(int limit) => Task.FromResult(_decisions.Recent(limit));

    public async Task BeadFailed(string beadId, string sessionId, string reason, DateTimeOffset failedAt)
    {
        if (RecordFailure(beadId, sessionId, reason, failedAt) is { } parked) await Park(parked);
        await state.WriteStateAsync();
        await Poke();
    }

    private async Task OnTimer(CancellationToken cancellationToken)
    {
        await Cycle(maintenance: true);
        WakeIfPoked();
        CheckPlacementIfSilosChanged();
    }

    /// <summary>
    /// A poke that arrived during a timer or on-demand cycle found <c>_running</c> set and scheduled
    /// nothing; the cycle may have read the world before the change, so run the coalesced one now.
    /// </summary>
    private void WakeIfPoked()
    {
        if (!_dirty || _scheduled) return;
        _scheduled = true;
        this.AsReference<IDispatcherWake>().Wake().Ignore();
    }

    private async Task<CycleReport> Cycle(bool maintenance)
    {
        _running = true;
        var started = Stopwatch.GetTimestamp();
        using var span = GembaActivities.StartCycle(Scope, maintenance);
        try
        {
            var report = await CycleCore(maintenance);
            instruments.CycleCompleted(Stopwatch.GetElapsedTime(started), report.Dispatched);
            span?.SetTag(GembaActivities.DispatchedTag, report.Dispatched);
            await SaveDecisions();
            return report;
        }
        catch (Exception ex)
        {
            LogCycleFailed(Scope, ex);
            span.Outcome(DispatchOutcome.Error, ex.Message);
            var decision = new DispatchDecision("", Scope, null, null, DispatchOutcome.Error, $"cycle failed: {ex.Message}", null, time.GetUtcNow());
            _decisions.Add(decision);
            return new CycleReport(0, 0, [decision], Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            _running = false;
        }
    }

    private async Task<CycleReport> CycleCore(bool maintenance)
    {
        var started = Stopwatch.GetTimestamp();
        var config = await GrainFactory.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var pools = config.Pools.Where(p => p.Scope == Scope).ToList();
        if (pools.Count == 0) return new CycleReport(0, 0, [], TimeSpan.Zero);

        _parkedSinceSnapshot.Clear();
        var snapshotTask = workPlane.SnapshotAsync();
        var views = await Task.WhenAll(pools.Select(p => Pool(p.Key).GetView()));
        var snapshot = await snapshotTask;
        var now = time.GetUtcNow();
        var beads = Index(snapshot.Beads);
        if (!maintenance && !HasCapacity(pools, views, now) && !HasUnconfirmedClaims)
            return new CycleReport(0, 0, [], Stopwatch.GetElapsedTime(started));
        var ledgerChanged = await Reconcile(views, beads);
        var input = BuildInput(config, pools, views, snapshot, beads, now);
        instruments.ScopeObserved(Scope, input.Ready.Count, pools, views);
        Activity.Current?.SetTag(GembaActivities.ReadyTag, input.Ready.Count);
        var plan = DispatchPlanner.Plan(input);
        var decisions = plan.Decisions.ToDictionary(d => d.BeadId, StringComparer.Ordinal);
        var dispatched = plan.Assignments.Count == 0 ? 0 : await Execute(plan, beads, decisions, now);

        if (ledgerChanged && plan.Assignments.Count == 0) await state.WriteStateAsync();
        if (maintenance) await Task.WhenAll(pools.Select(p => Pool(p.Key).Maintain()));

        foreach (var decision in decisions.Values) Record(decision);
        return new CycleReport(dispatched, decisions.Count - dispatched, [.. decisions.Values], Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Event-driven cycles skip planning while no pool could take a bead: with a large backlog a
    /// full plan costs tens of milliseconds, and bead-done pokes arrive faster than members free up.
    /// Timer cycles always plan, so every waiting bead keeps an up-to-date explanation.
    /// </summary>
    private static bool HasCapacity(List<ResolvedPool> pools, PoolView[] views, DateTimeOffset now)
    {
        for (var i = 0; i < pools.Count; i++)
        {
            if (views[i].Pause is null && PoolCapacity.Of(pools[i], views[i].Members, views[i].GrowthPaused(now)).Free(pools[i].OneShot) > 0) return true;
        }
        return false;
    }

    private bool HasUnconfirmedClaims => state.State.Claims.Values.Any(c => !c.Confirmed);

    public async Task<ManualStartResult> StartManual(ManualStartRequest request)
    {
        var config = await GrainFactory.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var snapshot = await workPlane.SnapshotAsync();
        var beads = Index(snapshot.Beads);
        var now = time.GetUtcNow();
        var bead = beads.GetValueOrDefault(request.BeadId);
        var traits = bead is null ? null : TraitsOf(bead);
        var beadScope = traits is null ? null : new ScopeRouter(Options.NativeScopes, Options.RigPrefixes).Resolve(traits);
        var choice = ManualStartRules.Choose(request, bead, traits, Scope, beadScope, config, id => beads.GetValueOrDefault(id),
            state.State.Claims.GetValueOrDefault(request.BeadId), now);
        if (choice.Pool is not { } pool) return Refused(choice.Error!, choice.Message);

        var agentType = request.AgentType ?? pool.AgentType;
        var view = await Pool(pool.Key).GetView();
        // A warm member keeps its context; only the pool's own agent can take over one of its members.
        var idle = agentType == pool.AgentType && !pool.OneShot
            ? view.Members.Where(PoolCapacity.IsIdle).OrderBy(m => m.SessionId, StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (idle is null && PoolCapacity.ManualGrowth(pool, PoolCapacity.Of(pool, view.Members), config.ReservedForManual) <= 0)
            return Refused(ManualStartErrors.NoCapacity,
                $"pool {pool.Key} is full: no idle member, and its size {pool.SizeEffective} plus the {config.ReservedForManual} slot(s) reserved for manual work are taken");

        var sessionId = idle?.SessionId ?? SessionIds.New(pool.Key);
        var token = Guid.NewGuid().ToString("N");
        state.State.Claims[bead!.Id] = new ClaimRecord(sessionId, pool.Key, token, false, now);
        await state.WriteStateAsync();
        var claim = await workPlane.ClaimAsync(bead.Id, sessionId);
        if (!claim.Succeeded)
        {
            state.State.Claims.Remove(bead.Id);
            await state.WriteStateAsync();
            return Refused(claim.Status == ClaimStatus.AlreadyClaimed ? ManualStartErrors.AlreadyClaimed : ManualStartErrors.StartFailed,
                $"claim of {bead.Id}: {claim.Message ?? claim.Status.ToString()}");
        }

        var recycle = idle is not null && pool.RecycleAfterBeads > 0 && idle.BeadsSinceRecycle >= pool.RecycleAfterBeads;
        var assignment = new MemberAssignment(sessionId, idle is null, recycle, BeadPrompt.Assignment(bead, traits!, token));
        var result = await Pool(pool.Key).DispatchManual(assignment, config.ReservedForManual, agentType);
        if (!result.Ok)
        {
            await workPlane.ReleaseAsync(bead.Id, sessionId);
            state.State.Claims.Remove(bead.Id);
            await state.WriteStateAsync();
            return Refused(ManualStartErrors.StartFailed, $"{bead.Id} was claimed but {pool.Key} could not start it: {result.Error}");
        }
        state.State.Claims[bead.Id] = state.State.Claims[bead.Id] with { Confirmed = true };
        await state.WriteStateAsync();
        var how = idle is null ? "manual start by an operator: new member" : "manual start by an operator: warm member";
        Record(new DispatchDecision(bead.Id, Scope, pool.Persona, sessionId, DispatchOutcome.Dispatched, how, null, now));
        events.Publish(new GembaEvent(GembaEventKinds.Dispatched, now, Scope, pool.Persona, sessionId, bead.Id, "working", how));
        return new ManualStartResult(true, sessionId, pool.Persona, idle is not null, null, how);

        static ManualStartResult Refused(string error, string message) => new(false, null, null, false, error, message);
    }

    public async Task<bool> Unpark(string beadId)
    {
        var bead = await workPlane.GetAsync(beadId);
        var parked = state.State.Failures.TryGetValue(beadId, out var record) && record.Parked;
        var labelled = bead?.HasLabel(Options.ParkedLabel) == true;
        if (!parked && !labelled) return false;
        state.State.Failures.Remove(beadId);
        await state.WriteStateAsync();
        if (labelled) await workPlane.RemoveLabelAsync(beadId, Options.ParkedLabel);
        Record(new DispatchDecision(beadId, Scope, null, null, DispatchOutcome.Unparked, "unparked by an operator: its failures are forgotten", null, time.GetUtcNow()));
        await Poke();
        return true;
    }

    public async Task<WhatIfReport> WhatIf(ResolvedConfig draft)
    {
        var pools = draft.Pools.Where(p => p.Scope == Scope).ToList();
        var snapshotTask = workPlane.SnapshotAsync();
        var views = await Task.WhenAll(pools.Select(p => Pool(p.Key).GetView()));
        var snapshot = await snapshotTask;
        var now = time.GetUtcNow();
        var input = BuildInput(draft, pools, views, snapshot, Index(snapshot.Beads), now, observe: false);
        var decisions = pools.Count == 0
            ? input.Ready.Select(r => new DispatchDecision(r.Traits.BeadId, Scope, r.Persona, null, DispatchOutcome.NoPersona,
                "the draft declares no pool in this scope", null, now)).ToList()
            : DispatchPlanner.Plan(input).Decisions;
        int Count(params string[] outcomes) => decisions.Count(d => outcomes.Contains(d.Outcome));
        var dispatch = Count(DispatchOutcome.Dispatched, DispatchOutcome.Recycled);
        var below = Count(DispatchOutcome.BelowFloor);
        var none = Count(DispatchOutcome.NoPersona);
        var conflict = Count(DispatchOutcome.BlockedByConflict);
        var capacity = Count(DispatchOutcome.BlockedByGate);
        return new WhatIfReport(Scope, input.Ready.Count, dispatch, below, none, conflict, capacity,
            decisions.Count - dispatch - below - none - conflict - capacity, [.. decisions.Take(WhatIfDecisionLimit)]);
    }

    /// <param name="observe">
    /// A real cycle records when each bead became ready (the fairness age); a what-if reads the
    /// same state without touching it.
    /// </param>
    private PlanInput BuildInput(
        ResolvedConfig config, List<ResolvedPool> pools, PoolView[] views, WorkPlaneSnapshot snapshot,
        Dictionary<string, Bead> beads, DateTimeOffset now, bool observe = true)
    {
        var scopes = new ScopeRouter(Options.NativeScopes, Options.RigPrefixes);
        var ready = new List<ReadyCandidate>();
        var inProgress = new List<BeadTraits>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Func<string, Bead?> lookup = id => beads.GetValueOrDefault(id);
        foreach (var bead in snapshot.Beads)
        {
            if (bead.Status is BeadStatus.InProgress or BeadStatus.Hooked)
            {
                inProgress.Add(TraitsOf(bead));
                continue;
            }
            if (state.State.Claims.ContainsKey(bead.Id) || IsHeldBack(bead, now)) continue;
            if (!ReadySet.IsReady(bead, lookup, now)) continue;
            var traits = TraitsOf(bead);
            if (scopes.Resolve(traits) != Scope) continue;
            seen.Add(bead.Id);
            if (!_readySince.TryGetValue(bead.Id, out var since))
            {
                since = now;
                if (observe) _readySince[bead.Id] = now;
            }
            ready.Add(new ReadyCandidate(traits, PersonaRouter.Resolve(traits, config.Routing), since));
        }
        if (!observe) return new PlanInput(Scope, now, PoolInputs(pools, views, now), ready, inProgress, PlannerOptions.Default);
        foreach (var gone in _readySince.Keys.Where(id => !seen.Contains(id)).ToList()) _readySince.Remove(gone);
        if (_traits.Count > 2 * (ready.Count + inProgress.Count) + 1024)
            foreach (var stale in _traits.Keys.Where(id => !beads.ContainsKey(id)).ToList()) _traits.Remove(stale);

        return new PlanInput(Scope, now, PoolInputs(pools, views, now), ready, inProgress, PlannerOptions.Default);
    }

    private static List<PoolInput> PoolInputs(List<ResolvedPool> pools, PoolView[] views, DateTimeOffset now) =>
        [.. pools.Select((p, i) => new PoolInput(p, views[i].Members, views[i].GrowthPaused(now) ? views[i].GrowthPausedReason : null, views[i].Pause?.Reason))];

    /// <summary>Claims each planned bead durably, then hands the claimed ones to their pools.</summary>
    private async Task<int> Execute(DispatchPlan plan, Dictionary<string, Bead> beads, Dictionary<string, DispatchDecision> decisions, DateTimeOffset now)
    {
        var work = plan.Assignments
            .Select(a => (Plan: a, SessionId: a.SessionId ?? SessionIds.New(a.Pool), Token: Guid.NewGuid().ToString("N")))
            .ToList();
        foreach (var w in work)
            state.State.Claims[w.Plan.BeadId] = new ClaimRecord(w.SessionId, w.Plan.Pool, w.Token, false, now);
        await state.WriteStateAsync();

        var claims = await Task.WhenAll(work.Select(w => Claim(w.Plan.BeadId, w.SessionId)));
        var byPool = new Dictionary<PoolKey, List<MemberAssignment>>();
        for (var i = 0; i < work.Count; i++)
        {
            var (assignment, sessionId, token) = work[i];
            if (!claims[i].Succeeded)
            {
                state.State.Claims.Remove(assignment.BeadId);
                var outcome = claims[i].Status == ClaimStatus.AlreadyClaimed ? DispatchOutcome.AlreadyClaimed : DispatchOutcome.Error;
                decisions[assignment.BeadId] = Decide(assignment, sessionId, outcome, $"claim: {claims[i].Message ?? claims[i].Status.ToString()}", now);
                continue;
            }
            var bead = beads[assignment.BeadId];
            var member = new MemberAssignment(sessionId, assignment.SessionId is null, assignment.RecycleFirst,
                BeadPrompt.Assignment(bead, TraitsOf(bead), token));
            if (!byPool.TryGetValue(assignment.Pool, out var list)) byPool[assignment.Pool] = list = [];
            list.Add(member);
        }

        var results = await Task.WhenAll(byPool.Select(p => HandOver(p.Key, p.Value)));
        var plannedByBead = plan.Assignments.ToDictionary(a => a.BeadId, StringComparer.Ordinal);
        var dispatched = 0;
        foreach (var result in results.SelectMany(r => r))
        {
            var planned = plannedByBead[result.BeadId];
            if (result.Ok)
            {
                dispatched++;
                state.State.Claims[result.BeadId] = state.State.Claims[result.BeadId] with { Confirmed = true };
                instruments.BeadDispatched(Scope, planned.Pool.Persona, time.GetUtcNow() - _readySince.GetValueOrDefault(result.BeadId, now));
                var how = planned.RecycleFirst ? "recycled, then dispatched" : planned.SessionId is null ? "new member" : "warm member";
                // Keep the planner's explanation (floor waived, recycled to fit ...) after how it was handed over.
                var why = decisions.TryGetValue(result.BeadId, out var planned0) ? planned0.Reason : "";
                var reason = string.IsNullOrEmpty(why) || why == how ? how : $"{how}; {why}";
                decisions[result.BeadId] = Decide(planned, result.SessionId, DispatchOutcome.Dispatched, reason, now);
                events.Publish(new GembaEvent(GembaEventKinds.Dispatched, now, Scope, planned.Pool.Persona, result.SessionId, result.BeadId, "working", reason));
            }
            else if (await StillHeld(result.SessionId, result.BeadId) is var (held, holder) && held)
            {
                // The hand-over reached the session but its answer was lost (e.g. the session's silo died
                // mid-call): releasing now would let a second session take a bead this one works on.
                if (holder is not null)
                {
                    state.State.Claims[result.BeadId] = state.State.Claims[result.BeadId] with { Confirmed = true };
                    Pool(planned.Pool).MemberChanged(holder).Ignore();
                }
                decisions[result.BeadId] = Decide(planned, result.SessionId, DispatchOutcome.Error,
                    $"dispatch reported '{result.Error}' but the session {(holder is null ? "could not be asked; the claim is kept for reconcile" : "holds the bead; the claim is kept")}", now);
            }
            else
            {
                await workPlane.ReleaseAsync(result.BeadId, result.SessionId);
                state.State.Claims.Remove(result.BeadId);
                decisions[result.BeadId] = Decide(planned, result.SessionId, DispatchOutcome.Error, $"dispatch: {result.Error}", now);
            }
        }
        await state.WriteStateAsync();
        return dispatched;
    }

    private async Task<ClaimOutcome> Claim(string beadId, string sessionId)
    {
        using var span = GembaActivities.StartClaim(beadId, sessionId);
        var claim = await workPlane.ClaimAsync(beadId, sessionId);
        span.Outcome(claim.Status.ToString(), claim.Succeeded ? null : claim.Message ?? claim.Status.ToString());
        return claim;
    }

    private async Task<IReadOnlyList<MemberDispatchResult>> HandOver(PoolKey pool, List<MemberAssignment> assignments)
    {
        using var span = GembaActivities.Enabled ? GembaActivities.StartHandOver(pool.ToString(), [.. assignments.Select(a => (a.Bead.BeadId, a.SessionId))]) : null;
        var results = await Pool(pool).Dispatch(assignments);
        var failed = results.Where(r => !r.Ok).Select(r => $"{r.BeadId}: {r.Error}").ToList();
        span.Outcome(failed.Count == 0 ? DispatchOutcome.Dispatched : DispatchOutcome.Error, failed.Count == 0 ? null : string.Join("; ", failed));
        return results;
    }

    /// <summary>
    /// Makes the ledger agree with who actually holds what (<see cref="ClaimReconcile"/> decides). Session
    /// lookups and releases run in parallel: a cycle after a burst of completions must not await them one by one.
    /// </summary>
    private async Task<bool> Reconcile(PoolView[] views, Dictionary<string, Bead> beads)
    {
        var claims = state.State.Claims;
        var findings = ClaimReconcile.Survey(claims, views, beads);
        if (findings.Settled) return findings.Changed;

        var asked = findings.ToAsk;
        var answers = await Task.WhenAll(asked.Select(Ask));
        // A session that cannot be asked now (its silo is failing over) is left for the next cycle.
        var known = asked.Zip(answers).Where(p => p.Second.Known).ToDictionary(p => p.First, p => p.Second.Summary, StringComparer.Ordinal);
        var settlement = ClaimReconcile.Settle(claims, findings, known, beads);

        foreach (var member in settlement.Adopt) Pool(member.Pool).MemberChanged(member).Ignore();
        foreach (var (holder, reason, failedAt) in settlement.Failed)
            if (RecordFailure(holder.BeadId, holder.SessionId, reason, failedAt) is { } parked) await Park(parked);
        foreach (var stray in settlement.Stranded) LogStrandedClaim(Scope, stray.BeadId, stray.SessionId);
        // The plane re-checks the holder under its lock, so a bead closed meanwhile is never reopened.
        await Task.WhenAll(settlement.Release.Select(r => workPlane.ReleaseAsync(r.BeadId, r.SessionId)));
        return settlement.Changed;
    }

    private async Task<(bool Known, MemberSummary? Summary)> Ask(string sessionId)
    {
        try
        {
            return (true, await GrainFactory.GetGrain<ISessionGrain>(sessionId).GetSummary());
        }
        catch (Exception ex)
        {
            LogHolderUnknown("-", sessionId, ex);
            return (false, null);
        }
    }

    /// <summary>Whether a session a failed hand-over went to holds the bead anyway; unknown counts as held (holder null).</summary>
    private async Task<(bool Held, MemberSummary? Holder)> StillHeld(string sessionId, string beadId)
    {
        var (known, summary) = await Ask(sessionId);
        if (!known) return (true, null);
        return ClaimReconcile.Classify(summary, beadId) == ClaimReconcile.Holding.Yes ? (true, summary) : (false, null);
    }

    private BeadTraits TraitsOf(Bead bead)
    {
        if (_traits.TryGetValue(bead.Id, out var known) && ReferenceEquals(known.Bead, bead)) return known.Traits;
        var traits = BeadTraits.From(bead);
        _traits[bead.Id] = (bead, traits);
        return traits;
    }

    private bool IsHeldBack(Bead bead, DateTimeOffset now)
    {
        var failure = state.State.Failures.GetValueOrDefault(bead.Id);
        switch (FailurePolicy.HoldOf(bead, failure, _parkedSinceSnapshot.Contains(bead.Id), now, Options.ParkedLabel))
        {
            case FailurePolicy.Hold.Held:
                return true;
            case FailurePolicy.Hold.Forget:
                state.State.Failures.Remove(bead.Id);
                return false;
            default:
                return false;
        }
    }

    /// <summary>Counts a failure once per session; returns the record when it crosses into parked.</summary>
    private BeadFailureRecord? RecordFailure(string beadId, string sessionId, string reason, DateTimeOffset failedAt)
    {
        var now = time.GetUtcNow();
        if (FailurePolicy.Count(state.State.Failures.GetValueOrDefault(beadId), sessionId, reason, failedAt, now, Options.MaxAttempts, Options.RetryBackoff) is not { } record)
            return null;
        state.State.Failures[beadId] = record;
        Record(new DispatchDecision(beadId, Scope, null, sessionId, record.Parked ? DispatchOutcome.Parked : DispatchOutcome.Error,
            FailurePolicy.Describe(record), null, now));
        return record.Parked ? record : null;
    }

    private async Task Park(BeadFailureRecord record)
    {
        var beadId = state.State.Failures.First(f => ReferenceEquals(f.Value, record)).Key;
        _parkedSinceSnapshot.Add(beadId);
        try { await workPlane.AddLabelAsync(beadId, Options.ParkedLabel); }
        catch (Exception ex) { LogParkLabelFailed(beadId, ex); }
        events.Publish(new GembaEvent(GembaEventKinds.Escalation, time.GetUtcNow(), Scope, null, null, beadId, "parked",
            $"bead {beadId} parked after {record.Count} failed attempts: {record.LastReason}"));
    }

    private void Record(DispatchDecision decision)
    {
        if (!_decisions.Add(decision)) return;
        instruments.DecisionLogged(Scope, decision.Outcome);
        if (decision.Outcome != DispatchOutcome.Dispatched)
            events.Publish(new GembaEvent(GembaEventKinds.Decision, decision.At, Scope, decision.Persona, decision.SessionId, decision.BeadId, decision.Outcome, decision.Reason));
    }

    private DispatchDecision Decide(PlannedAssignment a, string sessionId, string outcome, string reason, DateTimeOffset now) =>
        new(a.BeadId, Scope, a.Pool.Persona, sessionId, outcome, reason, a.Scores, now);

    private static Dictionary<string, Bead> Index(IReadOnlyList<Bead> beads)
    {
        var index = new Dictionary<string, Bead>(beads.Count, StringComparer.Ordinal);
        foreach (var bead in beads) index[bead.Id] = bead;
        return index;
    }

    private IPoolGrain Pool(PoolKey key) => GrainFactory.GetGrain<IPoolGrain>(key.ToString());

    [LoggerMessage(Level = LogLevel.Error, Message = "dispatcher {Scope}: cycle failed")]
    private partial void LogCycleFailed(string scope, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dispatcher {Scope}: releasing stranded claim on {BeadId} held by {SessionId}")]
    private partial void LogStrandedClaim(string scope, string beadId, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not ask {SessionId} whether it holds {BeadId} after a failed hand-over; keeping the claim for reconcile")]
    private partial void LogHolderUnknown(string beadId, string sessionId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not label parked bead {BeadId}")]
    private partial void LogParkLabelFailed(string beadId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dispatcher {Scope}: saving the decision log failed")]
    private partial void LogDecisionsNotSaved(string scope, Exception ex);
}

/// <summary>The dispatcher's message to itself: run the coalesced cycle as a normal turn.</summary>
[Alias("gemba.IDispatcherWake")]
internal interface IDispatcherWake : IGrainWithStringKey
{
    [Alias("Wake"), Orleans.Concurrency.OneWay]
    Task Wake();
}
