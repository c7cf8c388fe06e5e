using Gemba.Beads;
using Gemba.Cascades;
using Gemba.Dispatch;
using Gemba.Grains.Dispatch;
using Gemba.WorkItems;
using Gemba.WorkPlanes;
using Microsoft.Extensions.Options;

namespace Gemba.Grains.WorkItems;

/// <summary>
/// The board over the work plane (<see cref="IWorkItems"/>). Moves change labels or status in the plane;
/// a move of a runnable bead to started is a manual start through its scope's dispatcher, so the board
/// never claims a bead the dispatcher does not know about.
/// </summary>
internal sealed class WorkItemsService(IWorkPlane plane, IGrainFactory grains, IOptions<DispatchOptions> options, TimeProvider time) : IWorkItems
{
    private DispatchOptions Options => options.Value;

    public async Task<WorkItemList> ListAsync(string? category, string? query, int closedLimit, CancellationToken cancellationToken = default)
    {
        var beads = await plane.ListAllAsync(cancellationToken);
        var index = beads.GroupBy(b => b.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var q = query?.Trim();
        var matching = index.Values
            .Where(b => string.IsNullOrEmpty(q) || b.Id.Contains(q, StringComparison.OrdinalIgnoreCase) || b.Title.Contains(q, StringComparison.OrdinalIgnoreCase))
            .Select(b => StateCategoryRules.Item(b, id => index.GetValueOrDefault(id), now, Options.ParkedLabel))
            .Where(i => category is null || i.StateCategory == category)
            .ToList();
        // Done grows without bound; the board shows the most recently closed.
        var closed = matching.Where(i => i.Column == "done").ToList();
        var shown = closed
            .OrderByDescending(i => index[i.Id].ClosedAt ?? index[i.Id].UpdatedAt ?? DateTimeOffset.MinValue)
            .Take(Math.Max(0, closedLimit))
            .ToHashSet();
        var items = matching
            .Where(i => i.Column != "done" || shown.Contains(i))
            .OrderBy(i => i.Priority).ThenBy(i => i.Id, StringComparer.Ordinal)
            .ToList();
        return new WorkItemList(items, closed.Count);
    }

    public async Task<RestageResult> RestageAsync(string id, string category, CancellationToken cancellationToken = default)
    {
        if (!StateCategories.All.Contains(category))
            return Refused(RestageErrors.InvalidCategory, $"state_category '{category}' is not one of {string.Join(", ", StateCategories.All)}");
        if (await plane.GetAsync(id, cancellationToken) is not { } bead)
            return Refused(RestageErrors.NotFound, $"work item {id} not found");
        var current = await ItemAsync(id, cancellationToken);
        if (current!.StateCategory == category) return new RestageResult(true, null, $"{id} is already {category}", current);
        if (!string.IsNullOrEmpty(bead.Assignee) && bead.Status is BeadStatus.InProgress or BeadStatus.Hooked)
            return Refused(RestageErrors.HeldBySession,
                $"{id} is held by {bead.Assignee}: end, drain or let that session finish before moving it");

        string? sessionId = null;
        switch (category)
        {
            case StateCategories.Backlog:
                await ReopenAsync(bead, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.StagedLabel, cancellationToken);
                await plane.AddLabelAsync(id, StateCategories.BacklogLabel, cancellationToken);
                break;
            case StateCategories.Unstarted or StateCategories.Staged:
                await ReopenAsync(bead, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.BacklogLabel, cancellationToken);
                if (category == StateCategories.Staged) await plane.AddLabelAsync(id, StateCategories.StagedLabel, cancellationToken);
                else await plane.RemoveLabelAsync(id, StateCategories.StagedLabel, cancellationToken);
                break;
            case StateCategories.Started when BeadKinds.IsWrapper(bead.IssueType):
            {
                var cascade = await grains.GetGrain<ICascadesGrain>(ICascadesGrain.Key).Start(id, null, 0);
                if (!cascade.Ok) return Refused(cascade.Error!, cascade.Message);
                return new RestageResult(true, null, $"cascade started: {cascade.Message}", await ItemAsync(id, cancellationToken));
            }
            case StateCategories.Started when BeadKinds.IsRunnable(bead.IssueType):
            {
                await ReopenAsync(bead, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.BacklogLabel, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.StagedLabel, cancellationToken);
                var scope = new ScopeRouter(Options.NativeScopes, Options.RigPrefixes).Resolve(BeadTraits.From(bead));
                if (scope is null)
                    return Refused(RestageErrors.Blocked, $"{id} belongs to no scope (no rig: label, no known beads prefix)");
                var start = await grains.GetGrain<IDispatcherGrain>(scope).StartManual(new ManualStartRequest(id));
                if (!start.Ok) return Refused(start.Error == ManualStartErrors.NotReady ? RestageErrors.Blocked : start.Error!, start.Message);
                sessionId = start.SessionId;
                break;
            }
            case StateCategories.Started:
                // A decision (or another kind no session runs) only changes state.
                if (!await plane.SetStatusAsync(id, BeadStatus.InProgress, null, cancellationToken))
                    return Refused(RestageErrors.HeldBySession, $"{id} is held by a session");
                break;
            case StateCategories.Completed or StateCategories.Canceled:
                var canceled = category == StateCategories.Canceled;
                if (!await plane.SetStatusAsync(id, BeadStatus.Closed, canceled ? "canceled by an operator" : "completed by an operator", cancellationToken))
                    return Refused(RestageErrors.HeldBySession, $"{id} is held by a session");
                if (canceled) await plane.AddLabelAsync(id, StateCategories.CanceledLabel, cancellationToken);
                else await plane.RemoveLabelAsync(id, StateCategories.CanceledLabel, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.StagedLabel, cancellationToken);
                await plane.RemoveLabelAsync(id, StateCategories.BacklogLabel, cancellationToken);
                break;
        }
        var item = await ItemAsync(id, cancellationToken);
        return new RestageResult(true, null, $"{id} moved from {current.StateCategory} to {item?.StateCategory ?? category}", item, sessionId);
    }

    /// <summary>A closed bead moved back onto the board is reopened, and loses its canceled mark.</summary>
    private async Task ReopenAsync(Bead bead, CancellationToken cancellationToken)
    {
        if (!bead.IsClosed) return;
        await plane.SetStatusAsync(bead.Id, BeadStatus.Open, null, cancellationToken);
        await plane.RemoveLabelAsync(bead.Id, StateCategories.CanceledLabel, cancellationToken);
    }

    private async Task<WorkItem?> ItemAsync(string id, CancellationToken cancellationToken)
    {
        var beads = await plane.ListAllAsync(cancellationToken);
        var index = beads.GroupBy(b => b.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        return index.TryGetValue(id, out var bead) ? StateCategoryRules.Item(bead, x => index.GetValueOrDefault(x), time.GetUtcNow(), Options.ParkedLabel) : null;
    }

    private static RestageResult Refused(string error, string message) => new(false, error, message, null);
}
