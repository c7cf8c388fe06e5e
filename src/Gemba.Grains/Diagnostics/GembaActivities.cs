using System.Diagnostics;

namespace Gemba.Grains.Diagnostics;

/// <summary>
/// Owns Gemba's <see cref="ActivitySource"/> (<c>Gemba</c>): the spans of a dispatch cycle and of a
/// bead's journey. With no listener (telemetry off) every call here returns null and costs a flag check.
/// </summary>
/// <remarks>
/// A cycle is one trace: <c>gemba.dispatch.cycle</c>, with a <c>gemba.bead.claim</c> span per claimed
/// bead and a <c>gemba.bead.handover</c> span per pool hand-over (the grain spans of the pool and
/// session calls nest under it). The session marks <c>working</c> as an event on its grain span. The
/// bead's end (<c>gemba.bead.done</c> and its <c>gemba.bead.close</c>) runs minutes later under the
/// agent's HTTP request, so it is its own trace, linked back to the hand-over that started the work.
/// </remarks>
public static class GembaActivities
{
    public const string SourceName = "Gemba";

    public const string Cycle = "gemba.dispatch.cycle";
    public const string Claim = "gemba.bead.claim";
    public const string HandOver = "gemba.bead.handover";
    public const string Working = "working";
    public const string BeadDone = "gemba.bead.done";
    public const string Close = "gemba.bead.close";

    public const string ScopeTag = "gemba.scope";
    public const string PoolTag = "gemba.pool";
    public const string BeadTag = "gemba.bead.id";
    public const string SessionTag = "gemba.session.id";
    public const string OutcomeTag = "gemba.outcome";
    public const string DispatchedTag = "gemba.dispatched";
    public const string ReadyTag = "gemba.ready";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Whether anyone listens: callers skip building span data nobody records.</summary>
    public static bool Enabled => Source.HasListeners();

    public static Activity? StartCycle(string scope, bool maintenance)
    {
        var activity = Source.StartActivity(Cycle, ActivityKind.Internal);
        activity?.SetTag(ScopeTag, scope);
        activity?.SetTag("gemba.maintenance", maintenance);
        return activity;
    }

    public static Activity? StartClaim(string beadId, string sessionId)
    {
        var activity = Source.StartActivity(Claim, ActivityKind.Internal);
        activity?.SetTag(BeadTag, beadId);
        activity?.SetTag(SessionTag, sessionId);
        return activity;
    }

    public static Activity? StartHandOver(string pool, IReadOnlyList<(string BeadId, string SessionId)> beads)
    {
        var activity = Source.StartActivity(HandOver, ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag(PoolTag, pool);
        activity.SetTag("gemba.beads", beads.Count);
        // One pool call carries several beads: each gets an event, the single-bead case also the tags.
        if (beads.Count == 1) activity.SetTag(BeadTag, beads[0].BeadId).SetTag(SessionTag, beads[0].SessionId);
        foreach (var (beadId, sessionId) in beads)
            activity.AddEvent(new ActivityEvent("bead", tags: new ActivityTagsCollection { [BeadTag] = beadId, [SessionTag] = sessionId }));
        return activity;
    }

    /// <summary>The agent was given the bead: an event on the span that runs the session's turn.</summary>
    public static void MarkWorking(string beadId, string sessionId) =>
        Activity.Current?.AddEvent(new ActivityEvent(Working, tags: new ActivityTagsCollection { [BeadTag] = beadId, [SessionTag] = sessionId }));

    public static Activity? StartBeadDone(string sessionId, string? beadId, ActivityContext handOver)
    {
        var links = handOver == default ? null : new[] { new ActivityLink(handOver) };
        var activity = Source.StartActivity(BeadDone, ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag(SessionTag, sessionId);
        if (beadId is not null) activity?.SetTag(BeadTag, beadId);
        return activity;
    }

    public static Activity? StartClose(string beadId, string sessionId)
    {
        var activity = Source.StartActivity(Close, ActivityKind.Internal);
        activity?.SetTag(BeadTag, beadId);
        activity?.SetTag(SessionTag, sessionId);
        return activity;
    }

    public static void Outcome(this Activity? activity, string outcome, string? error = null)
    {
        if (activity is null) return;
        activity.SetTag(OutcomeTag, outcome);
        if (error is not null) activity.SetStatus(ActivityStatusCode.Error, error);
    }
}
