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
/// <param name="MaxParallel">Null when not declared.</param>
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
    IReadOnlyDictionary<string, string> Env);
