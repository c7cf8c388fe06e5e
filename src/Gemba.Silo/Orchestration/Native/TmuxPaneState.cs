namespace Gemba.Silo.Orchestration.Native;

/// <summary>What tmux says about a session's pane right now.</summary>
/// <param name="Agent">The agent type recorded on the pane at spawn (<c>@gemba_agent</c>); null when gone.</param>
/// <param name="Detail">Why the pane does not count as the session's live pane.</param>
/// <param name="Persona">The persona recorded at spawn (<c>@gemba_persona</c>).</param>
/// <param name="Primed">Whether the agent's context holds the persona prompt and preamble (<c>@gemba_primed</c>).</param>
/// <param name="Bead">The bead last delivered (<c>@gemba_bead</c>).</param>
internal sealed record TmuxPaneState(bool Alive, string? Agent, string Detail, string? Persona = null, bool Primed = false, string? Bead = null)
{
    public static TmuxPaneState Gone(string detail) => new(false, null, detail);
}
