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
[GenerateSerializer, Alias("gemba.state.PoolState")]
public sealed class PoolState
{
    [Id(0)] public ResolvedPool? Config { get; set; }
    [Id(1)] public List<string> MemberIds { get; set; } = [];
    [Id(2)] public List<MemberSummary> Retired { get; set; } = [];
    /// <summary>Set while an operator has paused the pool's auto-dispatch; kept across restarts.</summary>
    [Id(3)] public PoolPause? Pause { get; set; }

    [JsonIgnore]
    [field: NonSerialized]
    public Dictionary<string, MemberSummary> Members { get; } = new(StringComparer.Ordinal);
}
