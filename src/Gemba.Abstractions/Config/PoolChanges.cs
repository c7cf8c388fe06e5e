using System.Globalization;

namespace Gemba.Config;

/// <summary>What a saved config changes in the pools in force, for the save's answer ("pool local/engineer grown: size 2 → 3").</summary>
public static class PoolChanges
{
    public static IReadOnlyList<PoolChange> Between(ResolvedConfig before, ResolvedConfig after)
    {
        var old = before.Pools.ToDictionary(p => p.Key);
        var changes = new List<PoolChange>();
        foreach (var pool in after.Pools)
        {
            if (!old.Remove(pool.Key, out var was))
            {
                changes.Add(Change(pool, PoolChangeKinds.Added, $"size {pool.SizeEffective}, floor {F(pool.Floor)}, agent {pool.AgentType}"));
                continue;
            }
            if (pool.SizeEffective != was.SizeEffective)
                changes.Add(Change(pool, pool.SizeEffective > was.SizeEffective ? PoolChangeKinds.Grown : PoolChangeKinds.Shrunk,
                    $"size {was.SizeEffective} → {pool.SizeEffective}"));
            if (!pool.Floor.Equals(was.Floor))
                changes.Add(Change(pool, PoolChangeKinds.Refloored, $"floor {F(was.Floor)} → {F(pool.Floor)}"));
            var retuned = Retuned(was, pool);
            if (retuned.Count > 0)
                changes.Add(Change(pool, PoolChangeKinds.Retuned, string.Join(", ", retuned)));
        }
        changes.AddRange(old.Values.Select(p => Change(p, PoolChangeKinds.Removed, $"was size {p.SizeEffective}; its members drain")));
        return changes;
    }

    private static List<string> Retuned(ResolvedPool was, ResolvedPool now)
    {
        var list = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) list.Add($"{name} {a} → {b}");
        }
        Check("agent_type", was.AgentType, now.AgentType);
        Check("recycle_after_beads", was.RecycleAfterBeads, now.RecycleAfterBeads);
        Check("idle_ceiling_minutes", was.IdleCeilingMinutes, now.IdleCeilingMinutes);
        Check("stall_timeout_minutes", was.StallTimeoutMinutes, now.StallTimeoutMinutes);
        Check("min_interval_per_session_seconds", was.MinIntervalSeconds, now.MinIntervalSeconds);
        Check("max_concurrent", was.MaxConcurrent, now.MaxConcurrent);
        return list;
    }

    private static PoolChange Change(ResolvedPool pool, string kind, string detail) => new(pool.Scope, pool.Persona, kind, detail);

    private static string F(double value) => value.ToString("0.0#", CultureInfo.InvariantCulture);
}
