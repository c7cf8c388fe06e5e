using System.Text;

namespace Gemba.Config;

/// <summary>A value of <c>pool.toml</c> at its full path, in the deterministic order of a fresh render.</summary>
internal sealed record PoolLeaf(IReadOnlyList<string> Path, object Value)
{
    /// <summary>The value as TOML source; floats always keep a decimal point.</summary>
    public string Rendered => Value switch
    {
        int i => TomlText.Integer(i),
        double d => TomlText.Float(d),
        string s => TomlText.Quote(s),
        _ => throw new InvalidOperationException($"unexpected pool value {Value.GetType()}"),
    };

    public IReadOnlyList<string> Parent => Path.Take(Path.Count - 1).ToList();

    public string Name => Path[^1];
}

/// <summary>
/// Renders a <see cref="PoolConfig"/> from scratch in the original's order (§1.6), with its two
/// quirks fixed: floats stay floats and non-bare keys are quoted.
/// </summary>
internal static class PoolConfigWriter
{
    public static string Render(PoolConfig config)
    {
        var leaves = Leaves(config).ToList();
        var sb = new StringBuilder();
        WriteTable(sb, [PoolConfigReader.Pool], leaves);
        if (config.Routing.Count > 0)
            WriteTable(sb, [PoolConfigReader.Pool, PoolConfigReader.Routing], leaves);
        foreach (var entry in Entries(config))
            WriteTable(sb, entry, leaves);
        return sb.ToString();
    }

    private static void WriteTable(StringBuilder sb, IReadOnlyList<string> table, List<PoolLeaf> leaves)
    {
        if (sb.Length > 0)
            sb.Append('\n');
        sb.Append('[').Append(TomlText.Dotted(table)).Append("]\n");
        foreach (var leaf in leaves.Where(l => l.Parent.SequenceEqual(table)))
            sb.Append(TomlText.Key(leaf.Name)).Append(" = ").Append(leaf.Rendered).Append('\n');
    }

    /// <summary>Every set value, in render order: defaults, routing by kind, then pools by scope and persona.</summary>
    public static IEnumerable<PoolLeaf> Leaves(PoolConfig config)
    {
        string[] pool = [PoolConfigReader.Pool];
        if (config.DefaultSize is { } size) yield return new([.. pool, "default_size"], size);
        if (config.DefaultPersona is { } persona) yield return new([.. pool, "default_persona"], persona);
        if (config.DefaultFloor is { } floor) yield return new([.. pool, "default_floor"], floor);
        if (config.ReservedForManual is { } reserved) yield return new([.. pool, "reserved_for_manual"], reserved);

        foreach (var (kind, target) in config.Routing.OrderBy(r => r.Key, StringComparer.Ordinal))
            yield return new([.. pool, PoolConfigReader.Routing, kind], target);

        foreach (var path in Entries(config))
        {
            var e = config.Pools[path[1]][path[2]];
            if (e.Size is { } s) yield return new([.. path, "size"], s);
            if (e.AgentType is { } a) yield return new([.. path, "agent_type"], a);
            if (e.Floor is { } f) yield return new([.. path, "floor"], f);
            if (e.RecycleAfterBeads is { } r) yield return new([.. path, "recycle_after_beads"], r);
            if (e.IdleCeilingMinutes is { } i) yield return new([.. path, "idle_ceiling_minutes"], i);
            if (e.StallTimeoutMinutes is { } st) yield return new([.. path, "stall_timeout_minutes"], st);
            if (e.MinIntervalPerSessionSeconds is { } m) yield return new([.. path, "min_interval_per_session_seconds"], m);
            if (e.MaxConcurrent is { } c) yield return new([.. path, "max_concurrent"], c);
        }
    }

    /// <summary>The <c>[pool, scope, persona]</c> path of every entry, sorted by scope then persona.</summary>
    public static IEnumerable<string[]> Entries(PoolConfig config) =>
        from scope in config.Pools.OrderBy(s => s.Key, StringComparer.Ordinal)
        from persona in scope.Value.Keys.Order(StringComparer.Ordinal)
        select new[] { PoolConfigReader.Pool, scope.Key, persona };
}
