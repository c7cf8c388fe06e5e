using System.Text.Json.Serialization;

namespace Gemba.Config;

/// <summary>
/// One raw <c>[pool.&lt;scope&gt;.&lt;persona&gt;]</c> block as written by the operator.
/// Every field is nullable so "absent" and an explicit 0 stay distinguishable: the cascade
/// treats them differently (e.g. <c>floor = 0.0</c> means "never blocks", absent means the default).
/// </summary>
public sealed record PoolEntry
{
    [JsonPropertyName("size"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Size { get; set; }

    [JsonPropertyName("agent_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AgentType { get; set; }

    [JsonPropertyName("floor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Floor { get; set; }

    [JsonPropertyName("recycle_after_beads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RecycleAfterBeads { get; set; }

    [JsonPropertyName("idle_ceiling_minutes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IdleCeilingMinutes { get; set; }

    [JsonPropertyName("stall_timeout_minutes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? StallTimeoutMinutes { get; set; }

    [JsonPropertyName("min_interval_per_session_seconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MinIntervalPerSessionSeconds { get; set; }

    [JsonPropertyName("max_concurrent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxConcurrent { get; set; }
}
