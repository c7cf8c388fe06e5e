namespace Gemba.Config;

/// <summary>
/// What the validator checks <c>pool.toml</c> against. An empty set means "unknown", not
/// "nothing is allowed": the corresponding rules are skipped rather than failing every pool.
/// </summary>
/// <param name="MaxParallel">Host pane cap from agents.toml; 0 = no clamp.</param>
public sealed record ValidationContext(
    IReadOnlySet<string> KnownPersonas,
    IReadOnlySet<string> KnownAgentTypes,
    int MaxParallel,
    ScopeMode Mode);
