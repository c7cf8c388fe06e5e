using System.Text.Json.Serialization;

namespace Gemba.Config;

/// <summary>
/// The raw <c>pool.toml</c> model, before any cascade: what the editor shows and saves.
/// JSON names match the original <c>GET /api/pool-config</c> "parsed" envelope so the SPA contract holds.
/// </summary>
public sealed class PoolConfig
{
    private Dictionary<string, string> _routing = new(StringComparer.Ordinal);
    private Dictionary<string, Dictionary<string, PoolEntry>> _pools = new(StringComparer.Ordinal);

    [JsonPropertyName("default_size"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DefaultSize { get; set; }

    [JsonPropertyName("default_persona"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DefaultPersona { get; set; }

    [JsonPropertyName("default_floor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DefaultFloor { get; set; }

    [JsonPropertyName("reserved_for_manual"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReservedForManual { get; set; }

    /// <summary>Bead kind → persona id. A JSON <c>null</c> reads as empty so callers never null-check.</summary>
    [JsonPropertyName("routing")]
    public Dictionary<string, string> Routing
    {
        get => _routing;
        set => _routing = value ?? new(StringComparer.Ordinal);
    }

    /// <summary>Scope → persona → entry.</summary>
    [JsonPropertyName("pools")]
    public Dictionary<string, Dictionary<string, PoolEntry>> Pools
    {
        get => _pools;
        set => _pools = value ?? new(StringComparer.Ordinal);
    }

    /// <summary>Adds (or returns) the entry for a pool, creating its scope on the way.</summary>
    public PoolEntry Pool(string scope, string persona)
    {
        if (!Pools.TryGetValue(scope, out var personas))
            Pools[scope] = personas = new(StringComparer.Ordinal);
        if (!personas.TryGetValue(persona, out var entry))
            personas[persona] = entry = new PoolEntry();
        return entry;
    }
}
