using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// Waits until a fresh pane takes input, so the first prompt is not typed into an agent that is still
/// starting (and lost or half-read). The pane is <em>ready</em> when its screen
/// (<c>capture-pane</c>) has not changed for <see cref="TmuxPlaneOptions.Settle"/> and, when the agent
/// declares a <c>ready_pattern</c>, the pattern matches the screen: the pattern alone would also match
/// a screen left over from before a <c>/clear</c>. The screen is polled every
/// <see cref="TmuxPlaneOptions.Poll"/> up to <see cref="TmuxPlaneOptions.Ready"/>. A pane that dies
/// meanwhile, or a pattern that never shows, throws <see cref="AgentStartException"/> with the pane's
/// last lines; a screen that never settles (no pattern declared) is delivered to anyway, with a warning.
/// </summary>
internal sealed partial class PaneReadiness(TmuxClient tmux, TmuxPlaneOptions options, TimeProvider time, ILogger log)
{
    private const int ShownLines = 15;

    /// <param name="commandLine">The agent command, for the error message.</param>
    public async Task WaitAsync(string pane, string sessionId, string agentName, string? readyPattern, string commandLine, CancellationToken cancellationToken)
    {
        var pattern = readyPattern is null ? null : new Regex(readyPattern, RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        var started = time.GetTimestamp();
        string? screen = null;
        var changedAt = started;
        while (true)
        {
            var (dead, status) = await DeadAsync(pane, sessionId, cancellationToken).ConfigureAwait(false);
            var now = time.GetTimestamp();
            if (dead)
            {
                // tmux can mark a pane dead a moment before it records the exit status
                for (var retry = 0; retry < 10 && status == "?"; retry++)
                {
                    await Task.Delay(options.Poll, time, cancellationToken).ConfigureAwait(false);
                    (_, status) = await DeadAsync(pane, sessionId, cancellationToken).ConfigureAwait(false);
                }
                // what a process printed just before it exited can sit above the visible screen
                var output = await CaptureAsync(pane, cancellationToken, history: true).ConfigureAwait(false);
                throw new AgentStartException(
                    $"native: agent \"{agentName}\" of session {sessionId} exited at once (exit status {status}) running `{commandLine}`; its last output:\n{Tail(output)}");
            }
            var current = await CaptureAsync(pane, cancellationToken).ConfigureAwait(false);
            if (current != screen)
            {
                screen = current;
                changedAt = now;
            }
            var settled = time.GetElapsedTime(changedAt, now) >= options.Settle;
            if (settled && (pattern is null || Matches(pattern, screen)))
            {
                LogReady(sessionId, pane, time.GetElapsedTime(started, now).TotalMilliseconds);
                return;
            }
            if (time.GetElapsedTime(started, now) >= options.Ready)
            {
                if (pattern is not null)
                    throw new AgentStartException(
                        $"native: agent \"{agentName}\" of session {sessionId} did not show its ready_pattern /{readyPattern}/ within {options.Ready.TotalSeconds:0.#} s running `{commandLine}`; its screen ends with:\n{Tail(screen)}");
                LogNeverSettled(sessionId, pane, options.Ready.TotalSeconds);
                return;
            }
            await Task.Delay(options.Poll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last non-blank lines of a pane, for error messages.</summary>
    public static string Tail(string? screen)
    {
        var lines = (screen ?? "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        return lines.Count == 0 ? "(nothing)" : string.Join('\n', lines.Skip(Math.Max(0, lines.Count - ShownLines)));
    }

    /// <param name="history">Include up to 200 lines of scroll-back above the visible screen.</param>
    public async Task<string> CaptureAsync(string pane, CancellationToken cancellationToken, bool history = false) =>
        (await tmux.RunAsync(history ? ["capture-pane", "-p", "-J", "-t", pane, "-S", "-200"] : ["capture-pane", "-p", "-J", "-t", pane],
            cancellationToken: cancellationToken).ConfigureAwait(false)).StandardOutput;

    private async Task<(bool Dead, string Status)> DeadAsync(string pane, string sessionId, CancellationToken cancellationToken)
    {
        var result = await tmux.RunAsync(["display-message", "-p", "-t", pane, "#{pane_id}\t#{pane_dead}\t#{pane_dead_status}"], cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var fields = result.StandardOutput.TrimEnd('\r', '\n').Split('\t');
        if (!result.Succeeded || fields.Length < 3 || fields[0] != pane)
            throw new TmuxPaneGoneException(pane, sessionId, result.Succeeded ? "the pane vanished while the agent started" : result.Describe());
        return (fields[1] == "1", fields[2].Length == 0 ? "?" : fields[2]);
    }

    private static bool Matches(Regex pattern, string? screen)
    {
        try
        {
            return pattern.IsMatch(screen ?? "");
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "native: pane {PaneId} of {SessionId} ready after {ElapsedMs:0} ms")]
    private partial void LogReady(string sessionId, string paneId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: the screen of pane {PaneId} ({SessionId}) kept changing for {Seconds:0.#} s; delivering anyway (declare ready_pattern in agents.toml to wait for a marker)")]
    private partial void LogNeverSettled(string sessionId, string paneId, double seconds);
}
