namespace Gemba.Silo.Orchestration.Native;

/// <summary>What tmux says about a session's pane right now.</summary>
/// <param name="Agent">The agent type recorded on the pane at spawn (<c>@gemba_agent</c>); null when gone.</param>
/// <param name="Detail">Why the pane does not count as the session's live pane.</param>
internal sealed record TmuxPaneState(bool Alive, string? Agent, string Detail)
{
    public static TmuxPaneState Gone(string detail) => new(false, null, detail);
}
