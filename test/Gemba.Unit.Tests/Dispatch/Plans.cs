using Gemba.Config;
using Gemba.Grains.Dispatch;
using Gemba.Grains.Sessions;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Unit.Tests.Dispatch;

/// <summary>Builders for planner inputs: one scope "local", persona "engineer" unless told.</summary>
internal static class Plans
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static ResolvedPool Pool(
        int size, string persona = "engineer", double floor = 0.5, int recycleAfter = -1, int maxConcurrent = 0,
        int minInterval = 0, string agent = "claude") =>
        new("local", persona, agent, size, size, floor, recycleAfter, 30, minInterval, maxConcurrent, false);

    public static MemberSummary Member(
        string id, AffinityProfile? profile = null, SessionStatus status = SessionStatus.Ready, string persona = "engineer",
        int beadsSinceRecycle = 0, DateTimeOffset? lastDispatch = null, string? current = null) =>
        new(id, new PoolKey("local", persona), status, current ?? (status == SessionStatus.Working ? "gm-busy-" + id : null),
            null, beadsSinceRecycle, beadsSinceRecycle, 1, profile ?? AffinityProfile.Empty,
            Now.AddHours(-5), Now.AddMinutes(-20), lastDispatch, null, null, null);

    public static AffinityProfile History(params BeadTraits[] beads)
    {
        var profile = AffinityProfile.Empty;
        foreach (var b in beads) profile = ProfileBuilder.AfterBead(profile, b, Now.AddMinutes(-15));
        return profile;
    }

    public static ReadyCandidate Ready(BeadTraits traits, string? persona = "engineer", TimeSpan? waited = null) =>
        new(traits, persona, Now - (waited ?? TimeSpan.FromMinutes(1)));

    public static PlanInput Input(
        IEnumerable<PoolInput> pools, IEnumerable<ReadyCandidate> ready, IEnumerable<BeadTraits>? inProgress = null,
        PlannerOptions? options = null) =>
        new("local", Now, pools.ToList(), ready.ToList(), (inProgress ?? []).ToList(), options ?? PlannerOptions.Default);

    public static PoolInput With(this ResolvedPool pool, params MemberSummary[] members) => new(pool, members);

    public static DispatchPlan Plan(ResolvedPool pool, MemberSummary[] members, params ReadyCandidate[] ready) =>
        DispatchPlanner.Plan(Input([pool.With(members)], ready));
}
