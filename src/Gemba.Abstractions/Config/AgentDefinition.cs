namespace Gemba.Config;

/// <summary>How much an agent may do without asking; passed to the agent's launcher.</summary>
public enum InteractionMode
{
    Dangerous,
    Balanced,
    Cautious,
}

/// <summary>One <c>[[agent]]</c> of agents.toml: an agent runtime a pool's <c>agent_type</c> can name.</summary>
/// <param name="Binary">Defaults to <paramref name="Name"/>: most agents are launched by their own name.</param>
/// <param name="Preamble">
/// The original's preamble <em>style</em> (<c>claude_md</c>, <c>first_message</c>, …); kept for
/// compatibility. The text itself is <paramref name="PreambleText"/>.
/// </param>
/// <param name="MaxParallel">Null when not declared.</param>
/// <param name="PreambleText">
/// <c>preamble_text</c>: what the native plane sends between the persona prompt and the bead in the
/// first prompt of a fresh (or just cleared) context.
/// </param>
/// <param name="ReadyPattern">
/// <c>ready_pattern</c>: a regular expression (already checked to compile) that appears on the
/// agent's screen once it takes input; the native plane waits for it before the first prompt.
/// </param>
/// <param name="BinaryAt">Where <c>binary</c> is declared; null when it was not (the name is used).</param>
public sealed record AgentDefinition(
    string Name,
    string Binary,
    IReadOnlyList<string> Args,
    string? Model,
    string? Preamble,
    string? Hooks,
    InteractionMode InteractionMode,
    bool IntraParallel,
    int? MaxParallel,
    IReadOnlyDictionary<string, string> Env,
    string? PreambleText = null,
    string? ReadyPattern = null,
    ConfigPosition? BinaryAt = null);

/// <summary>A place in a configuration file, for findings about a value read from it.</summary>
public sealed record ConfigPosition(string File, int Line, int Column)
{
    public ConfigFinding Finding(FindingSeverity severity, string message) => new(File, Line, Column, severity, message);
}
