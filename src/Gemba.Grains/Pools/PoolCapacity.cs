using Gemba.Config;
using Gemba.Sessions;

namespace Gemba.Grains.Pools;

/// <summary>
/// How much a pool can take right now: the one rule behind the planner's slots, the dispatcher's
/// "is planning worth it" check and the pool's own refusal of a stale plan (DESIGN §4.5:
/// capacity = min(idle + growth, concurrency cap − busy)).
/// </summary>
/// <param name="Live">Members not ended.</param>
/// <param name="Idle">Live members that are ready and hold nothing.</param>
/// <param name="Busy">Live members that are not idle: they count against the concurrency cap.</param>
/// <param name="Growth">New members the pool may still start (0 while growth is paused).</param>
/// <param name="ConcurrencyRoom">How many more may be in flight under the concurrency cap.</param>
public readonly record struct PoolCapacity(int Live, int Idle, int Busy, int Growth, int ConcurrencyRoom)
{
    /// <param name="growthPaused">The pool's spawns are failing and it is backing off (see <see cref="SpawnBackoff"/>).</param>
    public static PoolCapacity Of(ResolvedPool config, IEnumerable<MemberSummary> members, bool growthPaused = false)
    {
        int live = 0, idle = 0;
        foreach (var m in members)
        {
            if (m.Status.IsTerminal()) continue;
            live++;
            if (IsIdle(m)) idle++;
        }
        var busy = live - idle;
        var growth = growthPaused ? 0 : Math.Max(0, config.SizeEffective - live);
        return new PoolCapacity(live, idle, busy, growth, Math.Max(0, config.ConcurrencyCap - busy));
    }

    /// <summary>Idle, holding nothing and not draining: the only members a bead can be handed to.</summary>
    public static bool IsIdle(MemberSummary m) => m.Status == SessionStatus.Ready && m.CurrentBead is null && !m.Draining;

    /// <summary>
    /// New members an operator's start may add: the pool's own growth plus the slots
    /// <c>reserved_for_manual</c> keeps out of every pool's effective size for exactly this.
    /// </summary>
    public static int ManualGrowth(ResolvedPool config, PoolCapacity capacity, int reservedForManual) =>
        Math.Max(0, config.SizeEffective + Math.Max(0, reservedForManual) - capacity.Live);

    /// <summary>Beads the pool could start now if every idle member were usable (one-shot pools never reuse).</summary>
    public int Free(bool oneShot) => Math.Min((oneShot ? 0 : Idle) + Growth, ConcurrencyRoom);
}
