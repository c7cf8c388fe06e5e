namespace Gemba.Silo.Orchestration.Native;

/// <summary>Settings of the <c>native</c> (tmux) orchestration plane.</summary>
/// <param name="GembaUrl">What agents reach the server at; handed to every pane as <c>GEMBA_URL</c>.</param>
/// <param name="WorkingDirectory">
/// The server's directory. Inside a git repository each member gets its own worktree of it; outside
/// one, agents start (and share) this directory.
/// </param>
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
/// <param name="BaseBranch">
/// What bead branches start from (<c>--base-branch</c>); null: the branch the checkout is on when the
/// plane first looks (a detached checkout: its commit).
/// </param>
/// <param name="Token">The server's bearer token; panes get it as <c>GEMBA_TOKEN</c> so <c>gemba-state</c> can authenticate.</param>
/// <param name="ReadyTimeout">How long a fresh pane may take to become ready for its first prompt (default 20 s, inside the 30 s a grain call may take).</param>
/// <param name="SettleTime">How long a pane's screen must stay unchanged to count as settled (default 1 s).</param>
/// <param name="ReadyPollInterval">How often the screen is captured while waiting (default 100 ms).</param>
public sealed record TmuxPlaneOptions(
    string GembaUrl,
    string WorkingDirectory,
    string SocketName = "gemba",
    string SessionName = "gemba",
    string? ExtraPath = null,
    string TmuxExecutable = "tmux",
    TimeSpan? CommandTimeout = null,
    string? BaseBranch = null,
    string? Token = null,
    TimeSpan? ReadyTimeout = null,
    TimeSpan? SettleTime = null,
    TimeSpan? ReadyPollInterval = null)
{
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan DefaultSettleTime = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultReadyPollInterval = TimeSpan.FromMilliseconds(100);

    public TimeSpan Timeout => CommandTimeout ?? DefaultCommandTimeout;

    public TimeSpan Ready => ReadyTimeout ?? DefaultReadyTimeout;

    public TimeSpan Settle => SettleTime ?? DefaultSettleTime;

    public TimeSpan Poll => ReadyPollInterval ?? DefaultReadyPollInterval;

    /// <summary>Redacted: the record's generated ToString would print the token into logs.</summary>
    public override string ToString() =>
        $"TmuxPlaneOptions {{ GembaUrl = {GembaUrl}, WorkingDirectory = {WorkingDirectory}, SocketName = {SocketName}, SessionName = {SessionName}, BaseBranch = {BaseBranch}, Token = {(Token is null ? "none" : "***")} }}";
}
