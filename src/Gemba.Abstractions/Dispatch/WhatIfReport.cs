namespace Gemba.Dispatch;

/// <summary>
/// What one scope's dispatcher would do right now with a draft config and the current ready beads,
/// planned by the same <c>DispatchPlanner</c> a real cycle uses; nothing is claimed or handed over.
/// </summary>
/// <param name="Ready">Ready beads of this scope the plan looked at.</param>
/// <param name="Dispatch">Beads that would be handed to a member now.</param>
/// <param name="BelowFloor">Beads that would wait because no member fits above the floor.</param>
/// <param name="NoPersona">Beads no pool of the draft would take (no persona resolves, or no pool for it).</param>
/// <param name="Conflict">Beads that would wait on a conflict with work in progress.</param>
/// <param name="Capacity">Beads that would wait for a free member (pool full, concurrency cap, rate limit).</param>
/// <param name="Other">Beads that would wait for another reason (already claimed, errors).</param>
[GenerateSerializer, Immutable, Alias("gemba.WhatIfReport")]
public sealed record WhatIfReport(
    string Scope,
    int Ready,
    int Dispatch,
    int BelowFloor,
    int NoPersona,
    int Conflict,
    int Capacity,
    int Other,
    IReadOnlyList<DispatchDecision> Decisions)
{
    public static WhatIfReport Sum(string scope, IEnumerable<WhatIfReport> reports)
    {
        var list = reports.ToList();
        return new WhatIfReport(scope, list.Sum(r => r.Ready), list.Sum(r => r.Dispatch), list.Sum(r => r.BelowFloor),
            list.Sum(r => r.NoPersona), list.Sum(r => r.Conflict), list.Sum(r => r.Capacity), list.Sum(r => r.Other), [.. list.SelectMany(r => r.Decisions)]);
    }
}
