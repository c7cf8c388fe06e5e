using Gemba.Dispatch;
using Gemba.Config;
using Gemba.Pools;
using Gemba.Grains.Sessions;
using Gemba.Sessions;
using Microsoft.Extensions.Logging;

namespace Gemba.Grains.Pools;

/// <summary>
/// Owns a pool's members. Growth happens only here and never beyond the effective size or the
/// concurrency cap, whatever a (possibly stale) dispatcher asks for.
/// </summary>
[GrainType("pool")]
internal sealed partial class PoolGrain(
    [PersistentState("pool", GembaStorage.Name)] IPersistentState<PoolState> state,
    TimeProvider time,
    ILogger<PoolGrain> log) : Grain, IPoolGrain
{
    private const int RetiredKept = 50;

    private bool _membershipChanged;

    // In memory: a restarted silo tries a spawn again at once, which is what an operator who fixed agents.toml wants.
    private SpawnBackoff? _spawnBackoff;

    private PoolKey? _key;

    // Parsing validates both names; do it once per activation, not on every member update.
    private PoolKey Key => _key ??= PoolKey.Parse(this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.MemberIds.Count == 0) return;
        var refreshed = await Task.WhenAll(state.State.MemberIds.Select(id => Session(id).GetSummary()));
        foreach (var summary in refreshed)
            if (summary is not null) Track(summary);
        _membershipChanged = false;
    }

    /// <summary>Writes the pool's state; only membership (ids, retirements) and config are persisted.</summary>
    private async Task Persist()
    {
        state.State.MemberIds = [.. state.State.Members.Keys];
        _membershipChanged = false;
        await state.WriteStateAsync();
    }

    private async Task PersistIfMembershipChanged()
    {
        if (_membershipChanged) await Persist();
    }

    public async Task Configure(ResolvedPool? config)
    {
        state.State.Config = config;
        // Shrinking (or removal) drains surplus idle members; busy ones finish their bead first.
        var keep = config?.SizeEffective ?? 0;
        var surplus = state.State.Members.Values.Count - keep;
        foreach (var idle in state.State.Members.Values.Where(m => m.IsIdle).Take(Math.Max(0, surplus)).ToList())
            Track(await Session(idle.SessionId).Stop("pool shrank"));
        await Persist();
    }

    public Task<PoolView> GetView() =>
        Task.FromResult(View());

    private PoolView View() =>
        new(state.State.Config, [.. state.State.Members.Values], [.. state.State.Retired],
            _spawnBackoff?.Until, _spawnBackoff?.Describe(), state.State.Pause);

    public async Task<PoolView> SetPause(string? reason)
    {
        var changed = reason is null ? state.State.Pause is not null : state.State.Pause?.Reason != reason;
        if (changed)
        {
            state.State.Pause = reason is null ? null : new PoolPause(time.GetUtcNow(), reason);
            await Persist();
            LogPause(Key.ToString(), reason is null ? "resumed" : $"paused: {reason}");
            // A resumed pool may take beads at once.
            if (reason is null) GrainFactory.GetGrain<IDispatcherGrain>(Key.Scope).Poke().Ignore();
        }
        return View();
    }

    public async Task<IReadOnlyList<MemberDispatchResult>> Dispatch(IReadOnlyList<MemberAssignment> assignments)
    {
        var config = state.State.Config;
        var results = new MemberDispatchResult[assignments.Count];
        var calls = new List<Task>();
        var paused = _spawnBackoff is { } backoff && backoff.Pauses(time.GetUtcNow());
        // The plan may be stale: the pool checks it against the same capacity rule the planner used.
        var capacity = config is null ? default : PoolCapacity.Of(config, state.State.Members.Values, paused);
        var growth = capacity.Growth;
        var room = capacity.ConcurrencyRoom;
        for (var i = 0; i < assignments.Count; i++)
        {
            var a = assignments[i];
            var index = i;
            string? refusal = null;
            if (config is null || config.SizeEffective <= 0) refusal = "pool is not configured";
            else if (a.IsNew && paused) refusal = _spawnBackoff!.Describe();
            else if (a.IsNew && growth <= 0) refusal = $"pool full ({capacity.Live}/{config.SizeEffective})";
            else if (room <= 0) refusal = $"max-concurrent reached ({capacity.Busy}/{config.ConcurrencyCap})";
            else if (!a.IsNew && !state.State.Members.ContainsKey(a.SessionId)) refusal = $"{a.SessionId} is not a member";
            if (refusal is not null)
            {
                results[i] = new MemberDispatchResult(a.Bead.BeadId, a.SessionId, false, refusal, null);
                continue;
            }
            if (a.IsNew) growth--;
            room--;
            calls.Add(Run(a, config!, index));
        }
        await Task.WhenAll(calls);
        await PersistIfMembershipChanged();
        return results;

        async Task Run(MemberAssignment a, ResolvedPool config, int index) => results[index] = await Hand(a, config.AgentType);
    }

    public async Task<MemberDispatchResult> DispatchManual(MemberAssignment assignment, int reservedForManual, string agentType)
    {
        var config = state.State.Config;
        var capacity = config is null ? default : PoolCapacity.Of(config, state.State.Members.Values);
        string? refusal = null;
        if (config is null || config.SizeEffective <= 0) refusal = "pool is not configured";
        else if (assignment.IsNew && PoolCapacity.ManualGrowth(config, capacity, reservedForManual) <= 0)
            refusal = $"pool full: {capacity.Live} member(s), size {config.SizeEffective} plus {Math.Max(0, reservedForManual)} reserved for manual work";
        else if (!assignment.IsNew && !(state.State.Members.TryGetValue(assignment.SessionId, out var member) && PoolCapacity.IsIdle(member)))
            refusal = $"{assignment.SessionId} is not an idle member";
        if (refusal is not null) return new MemberDispatchResult(assignment.Bead.BeadId, assignment.SessionId, false, refusal, null);
        var result = await Hand(assignment, agentType);
        await PersistIfMembershipChanged();
        return result;
    }

    /// <summary>Starts a new member with the bead, or gives it to an existing one; never throws.</summary>
    private async Task<MemberDispatchResult> Hand(MemberAssignment a, string agentType)
    {
        try
        {
            var summary = a.IsNew
                ? await Session(a.SessionId).Start(Key, agentType, a.Bead)
                : await Session(a.SessionId).Assign(a.Bead, a.RecycleFirst);
            Track(summary);
            if (a.IsNew) NoteSpawn(summary);
            var ok = summary.CurrentBead == a.Bead.BeadId && !summary.Status.IsTerminal();
            return new MemberDispatchResult(a.Bead.BeadId, a.SessionId, ok, ok ? null : summary.Reason ?? "session did not take the bead", summary);
        }
        catch (Exception ex)
        {
            LogDispatchFailed(Key.ToString(), a.SessionId, a.Bead.BeadId, ex);
            return new MemberDispatchResult(a.Bead.BeadId, a.SessionId, false, ex.Message, null);
        }
    }

    public async Task Seed(int count)
    {
        var config = state.State.Config;
        if (config is null || config.OneShot) return;
        var missing = Math.Min(count, config.SizeEffective) - state.State.Members.Count;
        for (var i = 0; i < missing; i++)
        {
            var id = SessionIds.New(Key);
            Track(await Session(id).Start(Key, config.AgentType, null));
        }
        await PersistIfMembershipChanged();
    }

    private void NoteSpawn(MemberSummary started)
    {
        if (SessionStateMachine.IsSpawnFailure(started))
        {
            _spawnBackoff = SpawnBackoff.After(_spawnBackoff, started.Reason![SessionStateMachine.SpawnFailedPrefix.Length..], time.GetUtcNow());
            LogSpawnBackoff(Key.ToString(), _spawnBackoff.Describe());
        }
        else if (!started.Status.IsTerminal())
        {
            _spawnBackoff = null;
        }
    }

    /// <summary>Ends members whose agent died (and has stalled ones escalate), then reaps members idle past the ceiling.</summary>
    public async Task<int> Maintain()
    {
        var ended = 0;
        var stallAfter = state.State.Config is { StallTimeoutMinutes: > 0 } c ? TimeSpan.FromMinutes(c.StallTimeoutMinutes) : Timeout.InfiniteTimeSpan;
        var checks = await Task.WhenAll(state.State.Members.Keys.ToList().Select(id => Session(id).CheckAlive(stallAfter)));
        foreach (var summary in checks)
        {
            if (summary is null) continue;
            Track(summary);
            if (summary.Status.IsTerminal()) ended++;
        }

        if (state.State.Config is { IdleCeilingMinutes: > 0 } config)
        {
            var ceiling = TimeSpan.FromMinutes(config.IdleCeilingMinutes);
            var now = time.GetUtcNow();
            var due = state.State.Members.Values
                .Where(m => m.IsIdle && m.CurrentBead is null && now - m.StatusSince >= ceiling)
                .ToList();
            foreach (var member in due)
            {
                if (await Session(member.SessionId).Reap(ceiling) is not { } after) continue;
                Track(after);
                if (after.Status.IsTerminal()) ended++;
            }
        }
        if (ended > 0) LogEnded(Key.ToString(), ended);
        await PersistIfMembershipChanged();
        return ended;
    }

    public async Task MemberChanged(MemberSummary member)
    {
        if (member.Pool != Key) return;
        Track(member);
        // Membership changes are persisted; status changes are re-read from sessions on activation.
        await PersistIfMembershipChanged();
        // The session pokes the dispatcher too, but that poke can overtake this update and plan with
        // the member still busy; poking once the view is current makes the freed slot count at once.
        if (member.IsIdle || member.Status.IsTerminal())
            GrainFactory.GetGrain<IDispatcherGrain>(Key.Scope).Poke().Ignore();
    }

    private void Track(MemberSummary summary)
    {
        if (summary.Status.IsTerminal())
        {
            if (state.State.Members.Remove(summary.SessionId) || state.State.Retired.All(r => r.SessionId != summary.SessionId))
            {
                _membershipChanged = true;
                // A retired member's profile is of no use to dispatch; keep the record small.
                state.State.Retired.Insert(0, summary with { Profile = AffinityProfile.Empty });
                if (state.State.Retired.Count > RetiredKept) state.State.Retired.RemoveAt(state.State.Retired.Count - 1);
            }
            return;
        }
        // Ended is final: a late one-way update (e.g. the bead-done before a reap) must not bring a retired member back.
        if (!state.State.Members.ContainsKey(summary.SessionId) && state.State.Retired.Any(r => r.SessionId == summary.SessionId))
            return;
        // An out-of-order one-way update must not roll a member back.
        if (state.State.Members.TryGetValue(summary.SessionId, out var known)
            && (known.Incarnation > summary.Incarnation
                || (known.Incarnation == summary.Incarnation && known.StatusSince > summary.StatusSince)))
            return;
        if (known is null) _membershipChanged = true;
        state.State.Members[summary.SessionId] = summary;
    }

    private ISessionGrain Session(string id) => GrainFactory.GetGrain<ISessionGrain>(id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pool {Pool}: dispatching {BeadId} to {SessionId} failed")]
    private partial void LogDispatchFailed(string pool, string sessionId, string beadId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pool {Pool}: {Backoff}")]
    private partial void LogSpawnBackoff(string pool, string backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "pool {Pool}: ended {Count} member(s) (idle past the ceiling, or agent gone)")]
    private partial void LogEnded(string pool, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "pool {Pool}: auto-dispatch {What}")]
    private partial void LogPause(string pool, string what);
}
