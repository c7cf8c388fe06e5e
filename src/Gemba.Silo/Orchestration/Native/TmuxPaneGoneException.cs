namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The pane a session lives in has exited or was killed (or the tmux server is gone). The session
/// grain fails the session and releases its bead.
/// </summary>
public sealed class TmuxPaneGoneException(string paneId, string sessionId, string detail)
    : TmuxCommandException($"pane {paneId} is gone (session {sessionId}): {detail}")
{
    public string PaneId { get; } = paneId;

    public string SessionId { get; } = sessionId;
}
