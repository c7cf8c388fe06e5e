using Gemba.Config;
using Gemba.Sessions;

namespace Gemba.Grains.Pools;

/// <summary>
/// What a pool persists: its config and the ids of its members with their last known summaries.
/// Summaries are refreshed from the session grains on activation, so a lost one-way update heals.
/// </summary>
public sealed class PoolState
{
    public ResolvedPool? Config { get; set; }
    public Dictionary<string, MemberSummary> Members { get; set; } = new(StringComparer.Ordinal);
    public List<MemberSummary> Retired { get; set; } = [];
}
