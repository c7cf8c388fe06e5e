using Tomlyn.Syntax;

namespace Gemba.Config;

/// <summary>
/// Interprets the flattened TOML of <c>pool.toml</c>. Unlike the original, nothing is dropped
/// silently: wrong types are errors and unknown keys are warnings, each at its position.
/// </summary>
internal sealed class PoolConfigReader
{
    public const string Pool = "pool";
    public const string Routing = "routing";

    private static readonly string[] EntryKeys =
    [
        "size", "agent_type", "floor", "recycle_after_beads", "idle_ceiling_minutes", "stall_timeout_minutes",
        "min_interval_per_session_seconds", "max_concurrent",
    ];

    private readonly TomlSource _source;
    private readonly PoolConfig _config = new();
    private readonly List<ConfigFinding> _findings = [];
    private readonly Dictionary<string, TomlItem> _positions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    private PoolConfigReader(TomlSource source) => _source = source;

    public static PoolConfigDocument Read(string text, string path)
    {
        var source = TomlSource.Parse(text, path);
        var reader = new PoolConfigReader(source);
        reader._findings.AddRange(source.Findings);
        if (!source.Broken)
            reader.Interpret();
        return new PoolConfigDocument(reader._config, reader._findings, path, text, source.Syntax, reader._positions);
    }

    private void Interpret()
    {
        foreach (var duplicate in _source.Duplicates)
            _findings.Add(_source.Finding(duplicate.At, FindingSeverity.Error, DuplicateMessage(duplicate)));

        foreach (var item in _source.Items)
        {
            var p = item.Path;
            if (p.Any(segment => segment.Length > 0 && segment[0] == TomlSource.ArrayIndex))
            {
                WarnOnce(p.TakeWhile(s => s.Length == 0 || s[0] != TomlSource.ArrayIndex), item,
                    "arrays of tables ([[...]]) are not read in pool.toml; ignored");
                continue;
            }
            if (p[0] != Pool)
            {
                WarnOnce(p.Take(1), item, "unknown top-level key; pool.toml only reads [pool]; ignored");
                continue;
            }
            Remember(p, item);
            if (p.Count == 1)
            {
                if (item.Kind == TomlItemKind.Value)
                    TypeError(item, "a table");
                continue;
            }
            switch (p[1])
            {
                case "default_size": if (p.Count == 2) _config.DefaultSize = ReadInt(item); break;
                case "reserved_for_manual": if (p.Count == 2) _config.ReservedForManual = ReadInt(item); break;
                case "default_floor": if (p.Count == 2) _config.DefaultFloor = ReadFloat(item); break;
                case "default_persona": if (p.Count == 2) _config.DefaultPersona = ReadString(item); break;
                case Routing: ReadRouting(item); break;
                default: ReadScope(item); break;
            }
        }

        foreach (var item in _source.Items)
        {
            if (item.Kind != TomlItemKind.Value && item.Path is [Pool, var scope] && scope != Routing
                && !IsReservedKey(scope) && !_config.Pools.ContainsKey(scope))
            {
                _findings.Add(_source.Finding(item.At, FindingSeverity.Warning,
                    $"{TomlText.Dotted(item.Path)}: scope declares no pools; add [{TomlText.Dotted([Pool, scope, "<persona>"])}] tables"));
            }
        }
    }

    private static bool IsReservedKey(string key) =>
        key is "default_size" or "reserved_for_manual" or "default_floor" or "default_persona";

    private void ReadRouting(TomlItem item)
    {
        var p = item.Path;
        if (p.Count == 2)
        {
            if (item.Kind == TomlItemKind.Value)
                TypeError(item, "a table of kind = \"persona\"");
        }
        else if (p.Count == 3)
        {
            if (ReadString(item) is { } persona)
                _config.Routing[p[2]] = persona;
        }
    }

    private void ReadScope(TomlItem item)
    {
        var p = item.Path;
        var (scope, dotted) = (p[1], TomlText.Dotted(p));
        if (p.Count == 2)
        {
            if (item.Kind == TomlItemKind.Value)
                _findings.Add(_source.Finding(item.At, FindingSeverity.Warning,
                    $"{dotted}: unknown key; [pool] holds default_size, default_persona, default_floor, reserved_for_manual, routing and scope tables; ignored"));
            return;
        }

        var persona = p[2];
        if (p.Count == 3)
        {
            if (item.Kind == TomlItemKind.Value)
                _findings.Add(_source.Finding(item.At, FindingSeverity.Warning,
                    $"{dotted}: expected a pool table [{dotted}], found {TomlText.Describe(item.Value!)}; ignored"));
            else
                _config.Pool(scope, persona);
            return;
        }

        // Dotted keys ([pool.local] engineer.size = 2) define the entry without a header.
        var entry = _config.Pool(scope, persona);
        Remember(p.Take(3).ToList(), item);
        if (p.Count > 4 || !EntryKeys.Contains(p[3]))
        {
            if (p.Count == 4 || !EntryKeys.Contains(p[3]))
                WarnOnce(p.Take(4), item, $"unknown key; a pool table holds {string.Join(", ", EntryKeys)}; ignored");
            return;
        }

        switch (p[3])
        {
            case "size": entry.Size = ReadInt(item); break;
            case "agent_type": entry.AgentType = ReadString(item); break;
            case "floor": entry.Floor = ReadFloat(item); break;
            case "recycle_after_beads": entry.RecycleAfterBeads = ReadInt(item); break;
            case "idle_ceiling_minutes": entry.IdleCeilingMinutes = ReadInt(item); break;
            case "stall_timeout_minutes": entry.StallTimeoutMinutes = ReadInt(item); break;
            case "min_interval_per_session_seconds": entry.MinIntervalPerSessionSeconds = ReadInt(item); break;
            case "max_concurrent": entry.MaxConcurrent = ReadInt(item); break;
        }
    }

    private int? ReadInt(TomlItem item)
    {
        if (item.Value is IntegerValueSyntax integer)
        {
            if (integer.Value is >= int.MinValue and <= int.MaxValue)
                return (int)integer.Value;
            _findings.Add(_source.Finding(item.ValueAt, FindingSeverity.Error,
                $"{TomlText.Dotted(item.Path)}: {TomlText.Integer(integer.Value)} is out of range"));
            return null;
        }
        TypeError(item, "an integer");
        return null;
    }

    /// <summary>An integer is accepted where a float belongs: <c>floor = 1</c> means 1.0 (the original silently dropped it).</summary>
    private double? ReadFloat(TomlItem item)
    {
        switch (item.Value)
        {
            case FloatValueSyntax f: return f.Value;
            case IntegerValueSyntax i: return i.Value;
            default: TypeError(item, "a float"); return null;
        }
    }

    private string? ReadString(TomlItem item)
    {
        if (item.Value is StringValueSyntax s)
            return s.Value ?? "";
        TypeError(item, "a string");
        return null;
    }

    private void TypeError(TomlItem item, string expected)
    {
        var found = item.Kind == TomlItemKind.Value ? TomlText.Describe(item.Value!) : "a table";
        _findings.Add(_source.Finding(item.ValueAt, FindingSeverity.Error,
            $"{TomlText.Dotted(item.Path)}: expected {expected}, found {found}"));
        // Members of a table that stands where a value belongs are not reported one by one.
        _reported.Add(TomlSource.Id(item.Path));
    }

    private void WarnOnce(IEnumerable<string> path, TomlItem item, string message)
    {
        var prefix = path.ToList();
        for (var length = 1; length <= prefix.Count; length++)
            if (_reported.Contains(TomlSource.Id(prefix.Take(length))))
                return;
        _reported.Add(TomlSource.Id(prefix));
        _findings.Add(_source.Finding(item.At, FindingSeverity.Warning, $"{TomlText.Dotted(prefix)}: {message}"));
    }

    private void Remember(IReadOnlyList<string> path, TomlItem item) =>
        _positions.TryAdd(PoolConfigDocument.PositionKey(path), item);

    private static string DuplicateMessage(TomlDuplicate duplicate)
    {
        var (line, column) = TomlText.Position(duplicate.FirstAt);
        var where = $"first declared at line {line}, column {column}; this one is ignored";
        return duplicate.Path is [Pool, var scope, var persona] && scope != Routing && duplicate.Kind != TomlItemKind.Value
            ? $"duplicate pool (scope '{scope}', persona '{persona}'): [{TomlText.Dotted(duplicate.Path)}] is {where}"
            : $"duplicate key {TomlText.Dotted(duplicate.Path)}: {where}";
    }
}
