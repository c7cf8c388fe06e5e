namespace Gemba.Silo.Orchestration.Native;

/// <summary>Settings of the <c>native</c> (tmux) orchestration plane.</summary>
/// <param name="GembaUrl">What agents reach the server at; handed to every pane as <c>GEMBA_URL</c>.</param>
/// <param name="WorkingDirectory">The directory agents start in (and whose git status bead-done checks).</param>
/// <param name="SocketName">
/// The tmux server socket (<c>tmux -L</c>): gemba runs its own tmux server so it never touches the
/// user's sessions, and tests never touch gemba's.
/// </param>
/// <param name="SessionName">The tmux session the agent windows are opened in.</param>
/// <param name="ExtraPath">
/// Prepended to each pane's <c>PATH</c> so agents find <c>gemba-state</c> (usually the directory of the
/// gemba executable); null leaves <c>PATH</c> as the server's.
/// </param>
/// <param name="TmuxExecutable">A name looked up on <c>PATH</c>, or a path.</param>
/// <param name="CommandTimeout">How long one tmux or git call may take before it is killed (default 10 s).</param>
public sealed record TmuxPlaneOptions(
    string GembaUrl,
    string WorkingDirectory,
    string SocketName = "gemba",
    string SessionName = "gemba",
    string? ExtraPath = null,
    string TmuxExecutable = "tmux",
    TimeSpan? CommandTimeout = null)
{
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(10);

    public TimeSpan Timeout => CommandTimeout ?? DefaultCommandTimeout;
}
