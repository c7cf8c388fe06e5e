using Gemba.Beads;
using Gemba.Cascades;
using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Grains.Dispatch;
using Gemba.WorkItems;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gemba.Grains.Cascades;

/// <summary>
/// Shell over <see cref="CascadeTree"/>: persists the active cascades, writes labels and states through
/// the work plane, and starts leaves through their scope's dispatcher (one claim ledger, as a manual start).
/// A leaf that ends triggers the next pass at once; a timer pass catches beads closed by other tools.
/// </summary>
[GrainType("cascades")]
internal sealed partial class CascadesGrain(
    [PersistentState("cascades", GembaStorage.Name)] IPersistentState<CascadesState> state,
    IWorkPlane plane,
    IOptions<DispatchOptions> options,
    IGembaEvents events,
    TimeProvider time,
    ILogger<CascadesGrain> log) : Grain, ICascadesGrain
{
    public const string ActiveLabel = "gemba:cascade-active";
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(async _ =>
        {
            foreach (var wrapper in state.State.Active.Keys.ToList()) await Pass(wrapper);
        }, new GrainTimerCreationOptions(Backstop, Backstop) { Interleave = false, KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task<CascadeReport> Start(string wrapperId, string? agentType, int limit)
    {
        var wrapper = await plane.GetAsync(wrapperId);
        if (wrapper is null) return Refused(wrapperId, CascadeErrors.NotFound, $"work item {wrapperId} not found");
        if (!BeadKinds.IsWrapper(wrapper.IssueType))
            return Refused(wrapperId, CascadeErrors.NotWrapper, $"{wrapperId} is a {wrapper.IssueType}: cascade dispatch is only for epic and milestone work items");
        var config = await GrainFactory.GetGrain<IConfigGrain>(IConfigGrain.Key).Get();
        var effective = limit > 0 ? limit : Math.Max(1, config.Pools.Where(p => agentType is null || p.AgentType == agentType).Sum(p => p.SizeEffective));
        state.State.Active[wrapperId] = new CascadeRecord(agentType, effective, []);
        await state.WriteStateAsync();
        await plane.AddLabelAsync(wrapperId, ActiveLabel);
        return await Pass(wrapperId, stage: true);
    }

    public async Task BeadEnded(string beadId)
    {
        foreach (var (wrapper, record) in state.State.Active.ToList())
            if (record.Leaves.Contains(beadId)) await Pass(wrapper);
    }

    public Task<IReadOnlyList<CascadeView>> List() =>
        Task.FromResult<IReadOnlyList<CascadeView>>([.. state.State.Active.Select(c => new CascadeView(c.Key, c.Value.AgentType, c.Value.Limit, c.Value.Leaves, StateCategories.Started))]);

    /// <summary>
    /// One pass: (first time) stage the open leaves, start ready ones while fewer than the limit run, and
    /// roll the wrapper's state up. The limit counts every running leaf, whoever started it.
    /// </summary>
    private async Task<CascadeReport> Pass(string wrapperId, bool stage = false)
    {
        if (!state.State.Active.TryGetValue(wrapperId, out var record)) return Refused(wrapperId, CascadeErrors.NotFound, $"no active cascade for {wrapperId}");
        var beads = await plane.ListAllAsync();
        var index = beads.GroupBy(b => b.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var childrenOf = index.Values.Where(b => b.Parent is not null).ToLookup(b => b.Parent!, StringComparer.Ordinal);
        var leaves = CascadeTree.Leaves(wrapperId, childrenOf);
        var now = time.GetUtcNow();

        var staged = new List<string>();
        if (stage)
        {
            foreach (var leaf in leaves.Where(l => l.Status == BeadStatus.Open && !l.HasLabel(StateCategories.StagedLabel)))
            {
                await plane.RemoveLabelAsync(leaf.Id, StateCategories.BacklogLabel);
                await plane.AddLabelAsync(leaf.Id, StateCategories.StagedLabel);
                staged.Add(leaf.Id);
            }
        }

        var running = leaves.Where(CascadeTree.IsRunning).Select(l => l.Id).ToList();
        var dispatched = new List<CascadeDispatch>();
        var waiting = new List<string>();
        var blocked = new List<string>();
        var scopes = new ScopeRouter(options.Value.NativeScopes, options.Value.RigPrefixes);
        foreach (var leaf in leaves.Where(l => l.Status == BeadStatus.Open))
        {
            // A leaf whose sessions kept failing stays parked: a cascade must not restart it in a loop.
            if (leaf.HasLabel(options.Value.ParkedLabel))
            {
                blocked.Add($"{leaf.Id}: parked after failed attempts");
                continue;
            }
            if (ReadySet.WhyNotReady(leaf, id => index.GetValueOrDefault(id), now) is { } why)
            {
                blocked.Add($"{leaf.Id}: {why}");
                continue;
            }
            if (running.Count + dispatched.Count >= record.Limit)
            {
                waiting.Add(leaf.Id);
                continue;
            }
            var scope = scopes.Resolve(BeadTraits.From(leaf)) ?? PoolKeyScope;
            var start = await GrainFactory.GetGrain<IDispatcherGrain>(scope).StartManual(new ManualStartRequest(leaf.Id, null, record.AgentType));
            if (start.Ok) dispatched.Add(new CascadeDispatch(leaf.Id, start.SessionId!));
            else blocked.Add($"{leaf.Id}: {start.Message}");
        }

        var after = leaves.Select(l => dispatched.Any(d => d.BeadId == l.Id) ? l with { Status = BeadStatus.InProgress } : l).ToList();
        await RollUpNested(wrapperId, index, childrenOf, after);
        var rolled = CascadeTree.RollUp(after);
        var wrapper = index.GetValueOrDefault(wrapperId);
        if (rolled == StateCategories.Completed)
        {
            // Label off first: whoever sees the wrapper closed sees the cascade over (a failed close is redone by the next pass).
            await plane.RemoveLabelAsync(wrapperId, ActiveLabel);
            await plane.SetStatusAsync(wrapperId, BeadStatus.Closed, "cascade done: every leaf is closed");
            state.State.Active.Remove(wrapperId);
            LogDone(wrapperId, leaves.Count);
        }
        else
        {
            if (rolled == StateCategories.Started && wrapper?.Status == BeadStatus.Open)
                await plane.SetStatusAsync(wrapperId, BeadStatus.InProgress);
            state.State.Active[wrapperId] = record with { Leaves = [.. leaves.Select(l => l.Id)] };
        }
        await state.WriteStateAsync();
        var message = $"{wrapperId}: {dispatched.Count} leaf/leaves started, {running.Count + dispatched.Count} of at most {record.Limit} running, {waiting.Count} waiting, {blocked.Count} blocked";
        events.Publish(new GembaEvent(GembaEventKinds.CascadeChanged, now, null, null, null, wrapperId, rolled, message));
        return new CascadeReport(wrapperId, true, null, message,
            record.Limit, rolled, staged, dispatched, [.. running, .. dispatched.Select(d => d.BeadId)], waiting, blocked);
    }

    /// <summary>
    /// The epics and milestones between the cascade's wrapper and its leaves read what their own leaves
    /// read, as the wrapper does (original §3.14 rolls every ancestor up): in progress once one of them
    /// runs or ends, closed once all are closed. Otherwise a nested epic stays open under a closed one.
    /// </summary>
    private async Task RollUpNested(string wrapperId, Dictionary<string, Bead> index, ILookup<string, Bead> childrenOf, IReadOnlyList<Bead> leavesNow)
    {
        var now = leavesNow.ToDictionary(l => l.Id, StringComparer.Ordinal);
        foreach (var nested in CascadeTree.NestedWrappers(wrapperId, childrenOf))
        {
            var bead = index[nested];
            var rolled = CascadeTree.RollUp([.. CascadeTree.Leaves(nested, childrenOf).Select(l => now.GetValueOrDefault(l.Id, l))]);
            if (rolled == StateCategories.Completed && !bead.IsClosed)
                await plane.SetStatusAsync(nested, BeadStatus.Closed, $"cascade {wrapperId}: every leaf is closed");
            else if (rolled == StateCategories.Started && bead.Status == BeadStatus.Open)
                await plane.SetStatusAsync(nested, BeadStatus.InProgress);
        }
    }

    private const string PoolKeyScope = Gemba.Pools.PoolKey.LocalScope;

    private static CascadeReport Refused(string wrapperId, string error, string message) =>
        new(wrapperId, false, error, message, 0, StateCategories.Unstarted, [], [], [], [], []);

    [LoggerMessage(Level = LogLevel.Information, Message = "cascade {Wrapper}: done, all {Leaves} leaf/leaves closed")]
    private partial void LogDone(string wrapper, int leaves);
}

[GenerateSerializer, Alias("gemba.state.CascadesState")]
public sealed class CascadesState
{
    [Id(0)] public Dictionary<string, CascadeRecord> Active { get; set; } = new(StringComparer.Ordinal);
}

/// <param name="Leaves">The wrapper's leaves at the last pass: whose end triggers the next.</param>
[GenerateSerializer, Immutable, Alias("gemba.state.CascadeRecord")]
public sealed record CascadeRecord(string? AgentType, int Limit, IReadOnlyList<string> Leaves);
