using Gemba.Pools;
using System.Text.Json.Serialization;
using Gemba.Config;
using Gemba.Sessions;

namespace Gemba.Grains.Pools;

/// <summary>
/// What a pool persists: its config, the ids of its members and its recently retired members.
/// Live summaries (with profiles) are kept in memory only and re-read from the session grains on
/// activation, so a write is small and happens only when membership changes.
/// </summary>
public sealed class PoolState
{
    public ResolvedPool? Config { get; set; }
    public List<string> MemberIds { get; set; } = [];
    public List<MemberSummary> Retired { get; set; } = [];
    /// <summary>Set while an operator has paused the pool's auto-dispatch; kept across restarts.</summary>
    public PoolPause? Pause { get; set; }

    [JsonIgnore]
    public Dictionary<string, MemberSummary> Members { get; } = new(StringComparer.Ordinal);
}
