using Gemba.Config;
using Gemba.Pools;

namespace Gemba.Api.Components.Pools;

/// <summary>
/// The form's editable copy of <see cref="PoolConfig"/>. Pools and routing rules are lists, not
/// dictionaries, so a card can be re-keyed (its persona changed) while typing and two cards can
/// briefly name the same pool; <see cref="Duplicates"/> reports that instead of losing one.
/// </summary>
public sealed class PoolDraftModel
{
    public string? DefaultPersona { get; set; }

    public int? DefaultSize { get; set; }

    public double? DefaultFloor { get; set; }

    public int? ReservedForManual { get; set; }

    public List<RoutingRule> Routing { get; } = [];

    public List<PoolCard> Pools { get; } = [];

    public static PoolDraftModel From(PoolConfig config)
    {
        var model = new PoolDraftModel
        {
            DefaultPersona = config.DefaultPersona,
            DefaultSize = config.DefaultSize,
            DefaultFloor = config.DefaultFloor,
            ReservedForManual = config.ReservedForManual,
        };
        foreach (var (kind, persona) in config.Routing)
            model.Routing.Add(new RoutingRule { Kind = kind, Persona = persona });
        foreach (var (scope, personas) in config.Pools)
            foreach (var (persona, entry) in personas)
            {
                var card = PoolCard.From(scope, persona, entry);
                card.Number = model.Pools.Count + 1;
                model.Pools.Add(card);
            }
        return model;
    }

    /// <summary>The draft as the store checks and saves it; a later duplicate card is left out (and reported).</summary>
    public PoolConfig ToConfig()
    {
        var config = new PoolConfig
        {
            DefaultPersona = string.IsNullOrEmpty(DefaultPersona) ? null : DefaultPersona,
            DefaultSize = DefaultSize,
            DefaultFloor = DefaultFloor,
            ReservedForManual = ReservedForManual,
        };
        foreach (var rule in Routing.Where(r => !string.IsNullOrEmpty(r.Kind)))
            config.Routing.TryAdd(rule.Kind, rule.Persona ?? "");
        foreach (var card in Pools.Where(c => !string.IsNullOrEmpty(c.Persona) && !string.IsNullOrEmpty(c.Scope)))
        {
            if (config.Pools.TryGetValue(card.Scope, out var existing) && existing.ContainsKey(card.Persona!))
                continue;
            var entry = config.Pool(card.Scope, card.Persona!);
            entry.Size = card.Size;
            entry.AgentType = string.IsNullOrEmpty(card.AgentType) ? null : card.AgentType;
            entry.Floor = card.Floor;
            entry.RecycleAfterBeads = card.RecycleAfterBeads;
            entry.IdleCeilingMinutes = card.IdleCeilingMinutes;
            entry.StallTimeoutMinutes = card.StallTimeoutMinutes;
            entry.MaxConcurrent = card.MaxConcurrent;
            entry.MinIntervalPerSessionSeconds = card.MinIntervalPerSessionSeconds;
        }
        return config;
    }

    /// <summary>
    /// Problems the store cannot see because <see cref="ToConfig"/> had to resolve them: two cards for one
    /// (scope, persona), a card without persona, two rules for one kind. All block a save.
    /// </summary>
    public IReadOnlyList<ConfigFinding> FormFindings(string file)
    {
        var findings = new List<ConfigFinding>();
        var seen = new HashSet<(string, string)>();
        foreach (var card in Pools)
        {
            if (string.IsNullOrEmpty(card.Persona))
            {
                findings.Add(new ConfigFinding(file, 0, 0, FindingSeverity.Error, $"pool card {card.Number}: persona is required", card.FieldPath));
                continue;
            }
            if (!seen.Add((card.Scope, card.Persona)))
                findings.Add(new ConfigFinding(file, 0, 0, FindingSeverity.Error,
                    $"{card.FieldPath}: duplicate (scope, persona) — already declared by another card", card.FieldPath));
        }
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Routing.Where(r => !string.IsNullOrEmpty(r.Kind)))
        {
            if (!kinds.Add(rule.Kind))
                findings.Add(new ConfigFinding(file, 0, 0, FindingSeverity.Error,
                    $"pool.routing.{rule.Kind}: kind routed twice — keep one rule per kind", $"pool.routing.{rule.Kind}"));
        }
        return findings;
    }

    public PoolCard AddPool(string scope, string? persona, string? agentType)
    {
        var card = new PoolCard { Scope = scope, Persona = persona, AgentType = agentType, Size = 1, Number = Pools.Count + 1 };
        Pools.Add(card);
        return card;
    }
}

public sealed class RoutingRule
{
    public string Kind { get; set; } = "";

    public string? Persona { get; set; }

    public string FieldPath => $"pool.routing.{Kind}";
}

public sealed class PoolCard
{
    private static int s_ids;

    /// <summary>Stable across re-keying, for Blazor's <c>@key</c>.</summary>
    public int Id { get; } = Interlocked.Increment(ref s_ids);

    public int Number { get; set; }

    public string Scope { get; set; } = PoolKey.LocalScope;

    public string? Persona { get; set; }

    public string? AgentType { get; set; }

    public int? Size { get; set; }

    public double? Floor { get; set; }

    public int? RecycleAfterBeads { get; set; }

    public int? IdleCeilingMinutes { get; set; }

    public int? StallTimeoutMinutes { get; set; }

    public int? MaxConcurrent { get; set; }

    public int? MinIntervalPerSessionSeconds { get; set; }

    /// <summary>The dotted TOML path findings about this pool carry, e.g. <c>pool.local.engineer</c>.</summary>
    public string FieldPath => $"pool.{Scope}.{Persona}";

    public string Field(string key) => $"{FieldPath}.{key}";

    public static PoolCard From(string scope, string persona, PoolEntry entry) => new()
    {
        Scope = scope,
        Persona = persona,
        AgentType = entry.AgentType,
        Size = entry.Size,
        Floor = entry.Floor,
        RecycleAfterBeads = entry.RecycleAfterBeads,
        IdleCeilingMinutes = entry.IdleCeilingMinutes,
        StallTimeoutMinutes = entry.StallTimeoutMinutes,
        MaxConcurrent = entry.MaxConcurrent,
        MinIntervalPerSessionSeconds = entry.MinIntervalPerSessionSeconds,
    };
}
