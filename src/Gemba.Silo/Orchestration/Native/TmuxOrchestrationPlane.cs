using System.Text.RegularExpressions;
using Gemba.Config;
using Gemba.Orchestration;
using Gemba.Sessions;
using Microsoft.Extensions.Logging;

using Gemba.Silo.Processes;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The <c>native</c> plane (original §6.1): each member is a tmux window on gemba's own tmux server
/// (<c>tmux -L &lt;socket&gt;</c>) running the agent command from agents.toml, with
/// <c>GEMBA_SESSION_ID</c>, <c>GEMBA_URL</c> and <c>GEMBA_AGENT_TYPE</c> in its environment. Beads are
/// pasted into the pane; the agent answers with <c>gemba-state bead-done</c>, which reaches the server
/// over HTTP. The pane carries its session id and agent type as pane options
/// (<c>@gemba_session</c>, <c>@gemba_agent</c>), so a pane id reused after a tmux server restart is
/// never mistaken for the session's pane.
/// </summary>
/// <remarks>
/// v1 provisions no per-bead git worktree: every agent starts in
/// <see cref="TmuxPlaneOptions.WorkingDirectory"/>, and <see cref="CheckWorktreeAsync"/> checks that
/// directory's <c>git status</c> (clean when it is not inside a git repository).
/// </remarks>
internal sealed partial class TmuxOrchestrationPlane : IOrchestrationPlane
{
    public const string Id = "native";
    private const string SessionOption = "@gemba_session";
    private const string AgentOption = "@gemba_agent";

    private readonly TmuxPlaneOptions _options;
    private readonly AgentsRegistry _agents;
    private readonly ILogger<TmuxOrchestrationPlane> _log;
    private readonly TmuxClient _tmux;
    private readonly GitWorktreeProbe _git;
    private readonly SemaphoreSlim _sessionGate = new(1, 1);

    public TmuxOrchestrationPlane(TmuxPlaneOptions options, AgentsRegistry agents, ILogger<TmuxOrchestrationPlane> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!SocketName().IsMatch(options.SocketName))
            throw new ArgumentException($"native: tmux socket name \"{options.SocketName}\" is not valid: use letters, digits, '.', '_' or '-'");
        if (!TmuxSessionName().IsMatch(options.SessionName))
            throw new ArgumentException($"native: tmux session name \"{options.SessionName}\" is not valid: use letters, digits, '_' or '-' (tmux forbids ':' and '.')");
        if (!Uri.TryCreate(options.GembaUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ArgumentException($"native: GEMBA_URL \"{options.GembaUrl}\" is not an absolute http(s) URL");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.WorkingDirectory);

        _options = options with { WorkingDirectory = Path.GetFullPath(options.WorkingDirectory) };
        _agents = agents;
        _log = log;
        _tmux = new TmuxClient(options.TmuxExecutable, options.SocketName, options.Timeout, log);
        _git = new GitWorktreeProbe(options.Timeout, log);
    }

    public string AdaptorId => Id;

    public async Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default)
    {
        EnsureValidSessionId(request.SessionId);
        var agent = _agents.Find(request.AgentType) ?? throw new InvalidOperationException(
            $"native: unknown agent type \"{request.AgentType}\": agents.toml declares no [[agent]] named \"{request.AgentType}\""
            + (_agents.Agents.Count == 0 ? " (it declares no agents at all)" : $" (known: {string.Join(", ", _agents.Agents.Select(a => a.Name))})"));
        if (!Directory.Exists(_options.WorkingDirectory))
            throw new InvalidOperationException($"native: working directory {_options.WorkingDirectory} does not exist");

        var ignored = new List<string>();
        var currentPath = Environment.GetEnvironmentVariable("PATH");
        var arguments = TmuxWindowCommand.Build(_options, request.SessionId, agent, currentPath, ignored);
        // tmux gives a new pane the calling client's PATH whatever -e says (see TmuxWindowCommand.PanePath)
        var clientEnvironment = TmuxWindowCommand.PanePath(_options, agent, currentPath) is { } panePath
            ? new Dictionary<string, string?>(StringComparer.Ordinal) { ["PATH"] = panePath }
            : null;
        foreach (var key in ignored) LogReservedVariable(agent.Name, key);

        await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        var pane = (await _tmux.RunCheckedAsync(arguments, environment: clientEnvironment, cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
        if (!PaneId().IsMatch(pane))
            throw new TmuxCommandException($"`{ProcessRunner.Display("tmux", arguments)}` printed \"{pane}\" where a pane id (%N) was expected");

        var handle = new SessionHandle(request.SessionId, Id, pane, null);
        try
        {
            await SetPaneOptionAsync(handle, SessionOption, request.SessionId, cancellationToken).ConfigureAwait(false);
            await SetPaneOptionAsync(handle, AgentOption, agent.Name, cancellationToken).ConfigureAwait(false);
            LogSpawned(request.SessionId, pane, agent.Name, _options.SocketName);
            if (request.FirstBead is { } first) await DeliverAsync(handle, first, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The grain fails the session on a spawn error; do not leave an agent running behind it.
            await KillQuietlyAsync(pane).ConfigureAwait(false);
            throw;
        }
        return handle;
    }

    /// <summary>
    /// Pastes the prompt (bracketed paste when the agent asked for it, so a multi-line prompt arrives
    /// as one message) and presses Enter. A dead or missing pane throws <see cref="TmuxPaneGoneException"/>.
    /// </summary>
    public async Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default)
    {
        var pane = await RequireLivePaneAsync(handle, cancellationToken).ConfigureAwait(false);
        var text = assignment.Prompt.TrimEnd('\r', '\n');
        if (text.Trim().Length == 0) text = $"Work on bead {assignment.BeadId}: {assignment.Title}";
        var buffer = $"gemba-{pane[1..]}";

        await _tmux.RunCheckedAsync(["load-buffer", "-b", buffer, "-"], text, cancellationToken: cancellationToken).ConfigureAwait(false);
        await RunOnPaneAsync(handle, ["paste-buffer", "-p", "-d", "-b", buffer, "-t", pane], cancellationToken).ConfigureAwait(false);
        await RunOnPaneAsync(handle, ["send-keys", "-t", pane, "Enter"], cancellationToken).ConfigureAwait(false);
        LogDelivered(assignment.BeadId, handle.SessionId, pane);
    }

    /// <summary>Types <c>/clear</c> for claude and <c>clear</c> for shell-only (original §2.5); other agents get nothing.</summary>
    public async Task RecycleAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        var pane = ValidPane(handle);
        var state = await ProbeAsync(handle, cancellationToken).ConfigureAwait(false);
        if (!state.Alive) throw new TmuxPaneGoneException(pane, handle.SessionId, state.Detail);

        var keys = state.Agent switch
        {
            "claude" => "/clear",
            "shell-only" => "clear",
            _ => null,
        };
        if (keys is null)
        {
            LogRecycleSkipped(handle.SessionId, state.Agent ?? "?");
            return;
        }
        await RunOnPaneAsync(handle, ["send-keys", "-t", pane, "-l", keys], cancellationToken).ConfigureAwait(false);
        await RunOnPaneAsync(handle, ["send-keys", "-t", pane, "Enter"], cancellationToken).ConfigureAwait(false);
        LogRecycled(handle.SessionId, pane, keys);
    }

    /// <summary>kill-pane; a pane that is already gone (or now belongs to another session) is left alone.</summary>
    public async Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        if (handle.PaneId is not { } pane || !PaneId().IsMatch(pane)) return;
        var state = await ProbeAsync(handle, cancellationToken).ConfigureAwait(false);
        if (state.Agent is null) return; // gone, or not ours
        var result = await _tmux.RunAsync(["kill-pane", "-t", pane], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !TmuxClient.IsMissing(result)) throw new TmuxCommandException(result.Describe());
        LogStopped(handle.SessionId, pane);
    }

    public async Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        handle.PaneId is { } pane && PaneId().IsMatch(pane) && (await ProbeAsync(handle, cancellationToken).ConfigureAwait(false)).Alive;

    /// <summary>
    /// v1 has no per-bead worktree provisioning: the check is <c>git status --porcelain</c> of
    /// <see cref="TmuxPlaneOptions.WorkingDirectory"/>, shared by every member. Not a git repository →
    /// clean; a git error → dirty.
    /// </summary>
    public async Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        await _git.IsCleanAsync(_options.WorkingDirectory, cancellationToken).ConfigureAwait(false) ? WorktreeStatus.Clean : WorktreeStatus.Dirty([]);

    private async Task EnsureSessionAsync(CancellationToken cancellationToken)
    {
        await _sessionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var exists = await _tmux.RunAsync(["has-session", "-t", $"={_options.SessionName}"], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (exists.Succeeded) return;
            var created = await _tmux.RunAsync(["new-session", "-d", "-s", _options.SessionName, "-c", _options.WorkingDirectory], cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            // another gemba process on the same socket may have won the race; that is fine
            if (!created.Succeeded && !created.StandardError.Contains("duplicate session", StringComparison.OrdinalIgnoreCase))
                throw new TmuxCommandException(created.Describe());
            LogSessionCreated(_options.SessionName, _options.SocketName);
        }
        finally
        {
            _sessionGate.Release();
        }
    }

    private async Task<TmuxPaneState> ProbeAsync(SessionHandle handle, CancellationToken cancellationToken)
    {
        var pane = ValidPane(handle);
        var result = await _tmux.RunAsync(
            ["display-message", "-p", "-t", pane, $"#{{pane_id}}\t#{{pane_dead}}\t#{{{SessionOption}}}\t#{{{AgentOption}}}"],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (TmuxClient.IsMissing(result)) return TmuxPaneState.Gone(result.StandardError.Trim());
        if (!result.Succeeded) throw new TmuxCommandException(result.Describe());

        // tmux 3.3 answers a missing -t pane with an empty line and exit 0
        var fields = result.StandardOutput.TrimEnd('\r', '\n').Split('\t');
        if (fields.Length < 4 || fields[0] != pane) return TmuxPaneState.Gone("no such pane");
        if (fields[2] != handle.SessionId)
            return TmuxPaneState.Gone(fields[2].Length == 0 ? "the pane is not a gemba session" : $"the pane now belongs to session {fields[2]}");
        var agent = fields[3].Length == 0 ? null : fields[3];
        return fields[1] == "1" ? new TmuxPaneState(false, agent, "the agent has exited") : new TmuxPaneState(true, agent, "alive");
    }

    private async Task<string> RequireLivePaneAsync(SessionHandle handle, CancellationToken cancellationToken)
    {
        var pane = ValidPane(handle);
        var state = await ProbeAsync(handle, cancellationToken).ConfigureAwait(false);
        return state.Alive ? pane : throw new TmuxPaneGoneException(pane, handle.SessionId, state.Detail);
    }

    /// <summary>A pane command; the pane vanishing between the probe and this call still reads as "gone".</summary>
    private async Task RunOnPaneAsync(SessionHandle handle, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await _tmux.RunAsync(arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.Succeeded) return;
        if (TmuxClient.IsMissing(result)) throw new TmuxPaneGoneException(handle.PaneId!, handle.SessionId, result.Describe());
        throw new TmuxCommandException(result.Describe());
    }

    private Task SetPaneOptionAsync(SessionHandle handle, string option, string value, CancellationToken cancellationToken) =>
        RunOnPaneAsync(handle, ["set-option", "-p", "-t", handle.PaneId!, option, value], cancellationToken);

    private async Task KillQuietlyAsync(string pane)
    {
        try
        {
            await _tmux.RunAsync(["kill-pane", "-t", pane]).ConfigureAwait(false);
        }
        catch (TmuxCommandException ex)
        {
            LogKillFailed(pane, ex);
        }
    }

    private static string ValidPane(SessionHandle handle) =>
        handle.PaneId is { } pane && PaneId().IsMatch(pane)
            ? pane
            : throw new TmuxPaneGoneException(handle.PaneId ?? "(none)", handle.SessionId, "the session handle carries no tmux pane id (%N)");

    private static void EnsureValidSessionId(string sessionId)
    {
        if (!SessionId().IsMatch(sessionId ?? ""))
            throw new ArgumentException(
                $"native: session id \"{sessionId}\" is not valid: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 200 characters");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")]
    private static partial Regex SessionId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex SocketName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex TmuxSessionName();

    [GeneratedRegex("^%[0-9]+$")]
    private static partial Regex PaneId();

    [LoggerMessage(Level = LogLevel.Information, Message = "native: created tmux session {Session} on socket {Socket} (attach: tmux -L {Socket} attach -t {Session})")]
    private partial void LogSessionCreated(string session, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: spawned {SessionId} in pane {PaneId} running agent {Agent} (tmux -L {Socket})")]
    private partial void LogSpawned(string sessionId, string paneId, string agent, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: delivered {BeadId} to {SessionId} in pane {PaneId}")]
    private partial void LogDelivered(string beadId, string sessionId, string paneId);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: recycled {SessionId} in pane {PaneId} with \"{Keys}\"")]
    private partial void LogRecycled(string sessionId, string paneId, string keys);

    [LoggerMessage(Level = LogLevel.Debug, Message = "native: recycle of {SessionId} sends nothing to agent {Agent} (only claude and shell-only have a clear keystroke)")]
    private partial void LogRecycleSkipped(string sessionId, string agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: stopped {SessionId} (killed pane {PaneId})")]
    private partial void LogStopped(string sessionId, string paneId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: agents.toml env {Variable} of agent {Agent} is ignored: gemba sets it itself")]
    private partial void LogReservedVariable(string agent, string variable);

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: could not kill pane {PaneId} after a failed spawn")]
    private partial void LogKillFailed(string paneId, Exception ex);
}
