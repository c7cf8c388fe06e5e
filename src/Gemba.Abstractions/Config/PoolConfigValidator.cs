using Gemba.Pools;

namespace Gemba.Config;

/// <summary>
/// The pool editor's rules (seed 003 §8, DESIGN §5), enforced on load and on save alike, so
/// the server refuses exactly what the editor refuses. Returns every finding for
/// <c>gemba config check</c>: parse, semantic and resolver findings, in file order.
/// </summary>
public static class PoolConfigValidator
{
    /// <summary>Kinds the dispatcher never picks up on its own; routing them is a misunderstanding worth flagging.</summary>
    private static readonly HashSet<string> NeverAutoDispatched = new(StringComparer.Ordinal) { "epic", "milestone", "decision" };

    public static IReadOnlyList<ConfigFinding> Validate(PoolConfigDocument doc, ValidationContext ctx)
    {
        var findings = new List<ConfigFinding>(doc.Findings);
        var config = doc.Config;
        string[] pool = [PoolConfigReader.Pool];

        void Add(string[] path, FindingSeverity severity, string message) =>
            findings.Add(doc.At(path, severity, $"{TomlText.Dotted(path)}: {message}", atValue: true));

        if (config.DefaultSize < 0)
            Add([.. pool, "default_size"], FindingSeverity.Error, $"must be 0 or more, found {config.DefaultSize}; disable one pool with size = -1");
        if (config.DefaultSize > 0 && string.IsNullOrEmpty(config.DefaultPersona))
            Add([.. pool, "default_size"], FindingSeverity.Warning, "default_size will create no pools without default_persona");
        if (config.ReservedForManual < 0)
            Add([.. pool, "reserved_for_manual"], FindingSeverity.Error, $"must be 0 or more, found {config.ReservedForManual}");
        CheckFloor(config.DefaultFloor, [.. pool, "default_floor"], Add);
        if (!string.IsNullOrEmpty(config.DefaultPersona) && IsUnknown(config.DefaultPersona, ctx.KnownPersonas))
            Add([.. pool, "default_persona"], FindingSeverity.Warning, UnknownPersona(config.DefaultPersona, ctx));

        foreach (var (kind, persona) in config.Routing)
        {
            string[] path = [.. pool, PoolConfigReader.Routing, kind];
            if (NeverAutoDispatched.Contains(kind))
                findings.Add(doc.At(path, FindingSeverity.Warning,
                    $"{TomlText.Dotted(path)}: kind {kind} is never auto-dispatched; drag it or use a cascade"));
            if (IsUnknown(persona, ctx.KnownPersonas))
                Add(path, FindingSeverity.Warning, UnknownPersona(persona, ctx));
        }

        foreach (var entryPath in PoolConfigWriter.Entries(config))
        {
            var (scope, persona) = (entryPath[1], entryPath[2]);
            var entry = config.Pools[scope][persona];
            if (!Names.IsValid(scope))
                Add(entryPath, FindingSeverity.Error, $"scope '{scope}' is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 characters");
            if (!Names.IsValid(persona))
                Add(entryPath, FindingSeverity.Error, $"persona '{persona}' is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64 characters");
            if (IsUnknown(persona, ctx.KnownPersonas))
                Add(entryPath, FindingSeverity.Error, UnknownPersona(persona, ctx));

            var agentType = string.IsNullOrEmpty(entry.AgentType) ? PoolConfigResolver.DefaultAgentType : entry.AgentType;
            if (IsUnknown(agentType, ctx.KnownAgentTypes))
                Add([.. entryPath, "agent_type"], FindingSeverity.Error,
                    $"agent_type \"{agentType}\"{(entry.AgentType is null ? " (the default)" : "")} is not an [[agent]] in agents.toml (known: {Known(ctx.KnownAgentTypes)})");

            if (entry.Size < -1)
                Add([.. entryPath, "size"], FindingSeverity.Error, $"size must be -1 (disabled) or 0 or more, found {entry.Size}");
            CheckFloor(entry.Floor, [.. entryPath, "floor"], Add);
            if (entry.StallTimeoutMinutes < -1)
                Add([.. entryPath, "stall_timeout_minutes"], FindingSeverity.Error, $"must be -1 (never), 0 (the default, {PoolConfigResolver.DefaultStallTimeoutMinutes}) or more, found {entry.StallTimeoutMinutes}");
            if (entry.MinIntervalPerSessionSeconds < 0)
                Add([.. entryPath, "min_interval_per_session_seconds"], FindingSeverity.Error, $"must be 0 (no rate limit) or more, found {entry.MinIntervalPerSessionSeconds}");
            if (entry.MaxConcurrent < 0)
                Add([.. entryPath, "max_concurrent"], FindingSeverity.Error, $"must be 0 (the effective size) or more, found {entry.MaxConcurrent}");
        }

        findings.AddRange(PoolConfigResolver.Resolve(doc, ctx.MaxParallel, ctx.Mode).Findings);
        return [.. findings.OrderBy(f => f.Line).ThenBy(f => f.Column)];
    }

    private static void CheckFloor(double? floor, string[] path, Action<string[], FindingSeverity, string> add)
    {
        if (floor is { } f && !(f >= 0 && f <= 1))
            add(path, FindingSeverity.Error, $"floor must be in [0, 1], found {TomlText.Float(f)}");
    }

    private static bool IsUnknown(string name, IReadOnlySet<string> known) => known.Count > 0 && !known.Contains(name);

    private static string UnknownPersona(string persona, ValidationContext ctx) =>
        $"persona \"{persona}\" not in known personas (known: {Known(ctx.KnownPersonas)})";

    private static string Known(IReadOnlySet<string> names) =>
        string.Join(", ", names.Order(StringComparer.Ordinal).Take(12)) + (names.Count > 12 ? ", ..." : "");
}
