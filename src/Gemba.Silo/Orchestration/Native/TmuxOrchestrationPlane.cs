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
/// <c>GEMBA_SESSION_ID</c>, <c>GEMBA_URL</c> (and <c>GEMBA_TOKEN</c>) in its environment. Beads are
/// pasted into the pane; the agent answers with <c>gemba-state bead-done</c>, which reaches the server
/// over HTTP.
/// </summary>
/// <remarks>
/// <para>In a git project each member works in its own worktree (<see cref="MemberWorktrees"/>), on
/// the bead's declared branch or <c>bead/&lt;id&gt;</c>, so members never share an index or a HEAD and
/// bead-done checks only the member's own files. Outside git, agents share
/// <see cref="TmuxPlaneOptions.WorkingDirectory"/> and bead-done always finds it clean.</para>
/// <para>Everything the plane must remember about a member lives where a restarted server finds it
/// again: the worktree path is derived from the session id, and the pane carries pane options
/// <c>@gemba_session</c>, <c>@gemba_agent</c>, <c>@gemba_persona</c>, <c>@gemba_primed</c> (its context
/// holds the persona prompt and preamble) and <c>@gemba_bead</c>. A pane id reused after a tmux server
/// restart is never mistaken for the session's pane.</para>
/// <para>agents.toml and the personas are read at each call through delegates, so an edit applies to
/// the next spawn or delivery.</para>
/// </remarks>
internal sealed partial class TmuxOrchestrationPlane : IOrchestrationPlane
{
    public const string Id = "native";
    private const string SessionOption = "@gemba_session";
    private const string AgentOption = "@gemba_agent";
    private const string PersonaOption = "@gemba_persona";
    private const string PrimedOption = "@gemba_primed";
    private const string BeadOption = "@gemba_bead";
    /// <summary>What <c>env</c> searches when the pane has no PATH at all (glibc's default).</summary>
    private const string DefaultSearchPath = "/bin:/usr/bin";

    private readonly TmuxPlaneOptions _options;
    private readonly Func<AgentsRegistry> _agents;
    private readonly Func<PersonaCatalog> _personas;
    private readonly ILogger<TmuxOrchestrationPlane> _log;
    private readonly TmuxClient _tmux;
    private readonly GitCli _git;
    private readonly PaneReadiness _readiness;
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    private readonly SemaphoreSlim _workspaceGate = new(1, 1);
    private MemberWorktrees? _worktrees;
    private volatile bool _workspaceKnown;

    public TmuxOrchestrationPlane(
        TmuxPlaneOptions options, Func<AgentsRegistry> agents, Func<PersonaCatalog> personas, ILogger<TmuxOrchestrationPlane> log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(personas);
        if (!SocketName().IsMatch(options.SocketName))
            throw new ArgumentException($"native: tmux socket name \"{options.SocketName}\" is not valid: use letters, digits, '.', '_' or '-'");
        if (!TmuxSessionName().IsMatch(options.SessionName))
            throw new ArgumentException($"native: tmux session name \"{options.SessionName}\" is not valid: use letters, digits, '_' or '-' (tmux forbids ':' and '.')");
        if (!Uri.TryCreate(options.GembaUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ArgumentException($"native: GEMBA_URL \"{options.GembaUrl}\" is not an absolute http(s) URL");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.WorkingDirectory);

        _options = options with { WorkingDirectory = Path.GetFullPath(options.WorkingDirectory) };
        _agents = agents;
        _personas = personas;
        _log = log;
        _tmux = new TmuxClient(options.TmuxExecutable, options.SocketName, options.Timeout, log, options.Token);
        _git = new GitCli(options.Timeout, log);
        _readiness = new PaneReadiness(_tmux, _options, time ?? TimeProvider.System, log);
    }

    public string AdaptorId => Id;

    public async Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default)
    {
        EnsureValidSessionId(request.SessionId);
        var agents = _agents();
        var agent = agents.Find(request.AgentType) ?? throw new InvalidOperationException(
            $"native: unknown agent type \"{request.AgentType}\": agents.toml declares no [[agent]] named \"{request.AgentType}\""
            + (agents.Agents.Count == 0 ? " (it declares no agents at all)" : $" (known: {string.Join(", ", agents.Agents.Select(a => a.Name))})"));
        if (!Directory.Exists(_options.WorkingDirectory))
            throw new InvalidOperationException($"native: working directory {_options.WorkingDirectory} does not exist");

        var currentPath = Environment.GetEnvironmentVariable("PATH");
        var panePath = TmuxWindowCommand.PanePath(_options, agent, currentPath);
        EnsureBinary(agent, panePath);

        var worktrees = await WorktreesAsync(cancellationToken).ConfigureAwait(false);
        await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
        string? pane = null;
        try
        {
            var start = _options.WorkingDirectory;
            if (worktrees is not null)
            {
                await worktrees.CreateAsync(request.SessionId, cancellationToken).ConfigureAwait(false);
                start = worktrees.Workspace.StartDirectoryOf(request.SessionId);
            }

            var ignored = new List<string>();
            var arguments = TmuxWindowCommand.Build(_options, request.SessionId, agent, currentPath, ignored, start);
            foreach (var key in ignored) LogReservedVariable(agent.Name, key);
            // tmux gives a new pane the calling client's PATH whatever -e says (see TmuxWindowCommand.PanePath)
            var clientEnvironment = panePath is null ? null : new Dictionary<string, string?>(StringComparer.Ordinal) { ["PATH"] = panePath };
            pane = (await _tmux.RunCheckedAsync(arguments, environment: clientEnvironment, cancellationToken: cancellationToken).ConfigureAwait(false)).Trim();
            if (!PaneId().IsMatch(pane))
            {
                var printed = pane;
                pane = null;
                throw new TmuxCommandException($"tmux new-window printed \"{printed}\" where a pane id (%N) was expected");
            }

            var handle = new SessionHandle(request.SessionId, Id, pane, null);
            await SetPaneOptionAsync(handle, SessionOption, request.SessionId, cancellationToken).ConfigureAwait(false);
            await SetPaneOptionAsync(handle, AgentOption, agent.Name, cancellationToken).ConfigureAwait(false);
            await SetPaneOptionAsync(handle, PersonaOption, request.Pool.Persona, cancellationToken).ConfigureAwait(false);
            await _readiness.WaitAsync(pane, request.SessionId, agent.Name, agent.ReadyPattern, CommandLine(agent), cancellationToken).ConfigureAwait(false);
            LogSpawned(request.SessionId, pane, agent.Name, start, _options.SocketName);

            if (request.FirstBead is { } first)
                await DeliverCoreAsync(handle, new TmuxPaneState(true, agent.Name, "alive", request.Pool.Persona), first, ready: true, cancellationToken).ConfigureAwait(false);
            return handle;
        }
        catch
        {
            // The grain fails the session on a spawn error; leave neither an agent nor a worktree behind it.
            if (pane is not null) await KillQuietlyAsync(pane).ConfigureAwait(false);
            if (worktrees is not null) await RemoveQuietlyAsync(worktrees, request.SessionId, request.FirstBead?.BeadId ?? "spawn").ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Switches the member's worktree to the bead's branch, then pastes the prompt (bracketed paste
    /// when the agent asked for it, so a multi-line prompt arrives as one message) and presses Enter.
    /// A fresh context gets the full <see cref="AgentPrompt.Compose"/> once its pane is ready; a warm
    /// one just the bead. A dead or missing pane throws <see cref="TmuxPaneGoneException"/>.
    /// </summary>
    public async Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default)
    {
        var pane = ValidPane(handle);
        var state = await ProbeAsync(handle, cancellationToken).ConfigureAwait(false);
        if (!state.Alive) throw new TmuxPaneGoneException(pane, handle.SessionId, state.Detail);
        await DeliverCoreAsync(handle, state, assignment, ready: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeliverCoreAsync(SessionHandle handle, TmuxPaneState state, BeadAssignment assignment, bool ready, CancellationToken cancellationToken)
    {
        var pane = handle.PaneId!;
        if (await WorktreesAsync(cancellationToken).ConfigureAwait(false) is { } worktrees)
            await worktrees.SwitchAsync(handle.SessionId, assignment.BeadId, assignment.Branch ?? $"bead/{assignment.BeadId}", cancellationToken).ConfigureAwait(false);

        string text;
        if (state.Primed)
        {
            text = AgentPrompt.Bead(assignment);
        }
        else
        {
            var agent = state.Agent is null ? null : _agents().Find(state.Agent);
            if (!ready)
                await _readiness.WaitAsync(pane, handle.SessionId, state.Agent ?? "?", agent?.ReadyPattern, agent is null ? "?" : CommandLine(agent), cancellationToken)
                    .ConfigureAwait(false);
            var persona = state.Persona is null ? null : _personas().Personas.FirstOrDefault(p => p.Id == state.Persona);
            text = AgentPrompt.Compose(persona?.Prompt, agent?.PreambleText, assignment);
        }

        var buffer = $"gemba-{pane[1..]}";
        await _tmux.RunCheckedAsync(["load-buffer", "-b", buffer, "-"], text, cancellationToken: cancellationToken).ConfigureAwait(false);
        await RunOnPaneAsync(handle, ["paste-buffer", "-p", "-d", "-b", buffer, "-t", pane], cancellationToken).ConfigureAwait(false);
        await RunOnPaneAsync(handle, ["send-keys", "-t", pane, "Enter"], cancellationToken).ConfigureAwait(false);
        await SetPaneOptionAsync(handle, BeadOption, assignment.BeadId, cancellationToken).ConfigureAwait(false);
        if (!state.Primed) await SetPaneOptionAsync(handle, PrimedOption, "1", cancellationToken).ConfigureAwait(false);
        LogDelivered(assignment.BeadId, handle.SessionId, pane, state.Primed ? "bead only" : "persona, preamble and bead");
    }

    /// <summary>
    /// Types <c>/clear</c> for claude and <c>clear</c> for shell-only (original §2.5); other agents get
    /// nothing. A cleared context is no longer primed: the next delivery sends the full composition.
    /// </summary>
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
        await RunOnPaneAsync(handle, ["set-option", "-p", "-u", "-t", pane, PrimedOption], cancellationToken).ConfigureAwait(false);
        LogRecycled(handle.SessionId, pane, keys);
    }

    /// <summary>
    /// kill-pane (a pane that is already gone, or now belongs to another session, is left alone), then
    /// the member's worktree is removed, its uncommitted work stashed first (<see cref="MemberWorktrees.RemoveAsync"/>).
    /// </summary>
    public async Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        string? bead = null;
        if (handle.PaneId is { } pane && PaneId().IsMatch(pane))
        {
            var state = await ProbeAsync(handle, cancellationToken).ConfigureAwait(false);
            if (state.Agent is not null) // ours, alive or dead
            {
                bead = state.Bead;
                await _tmux.RunAsync(["kill-pane", "-t", pane], cancellationToken: cancellationToken).ConfigureAwait(false);
                LogStopped(handle.SessionId, pane);
            }
        }
        if (!SessionId().IsMatch(handle.SessionId ?? "")) return;
        if (await WorktreesAsync(cancellationToken).ConfigureAwait(false) is { } worktrees)
            await worktrees.RemoveAsync(handle.SessionId!, bead ?? "(no bead)", cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        handle.PaneId is { } pane && PaneId().IsMatch(pane) && (await ProbeAsync(handle, cancellationToken).ConfigureAwait(false)).Alive;

    /// <summary>
    /// <c>git status --porcelain -z</c> of this member's worktree only, without <c>.beads/</c> and
    /// <c>.gemba/</c>. Not a git project → clean; a repository git cannot read, or a missing worktree → dirty with the reason.
    /// </summary>
    public async Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        MemberWorktrees? worktrees;
        try
        {
            worktrees = await WorktreesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TmuxCommandException)
        {
            LogCheckFailed(handle.SessionId, ex.Message);
            return WorktreeStatus.Dirty([], ex.Message);
        }
        if (worktrees is null) return WorktreeStatus.Clean;
        if (!SessionId().IsMatch(handle.SessionId ?? "")) return WorktreeStatus.Dirty([], $"session id \"{handle.SessionId}\" names no worktree");
        var status = await worktrees.CheckAsync(handle.SessionId!, cancellationToken).ConfigureAwait(false);
        if (!status.IsClean && status.DirtyFiles.Count == 0) LogCheckFailed(handle.SessionId!, status.Detail ?? "");
        return status;
    }

    /// <summary>
    /// The repository around the working directory, found once. A failed look (git missing, a broken
    /// repository, a base that names no commit) is not remembered: the next call tries again.
    /// </summary>
    private async Task<MemberWorktrees?> WorktreesAsync(CancellationToken cancellationToken)
    {
        if (_workspaceKnown) return _worktrees;
        await _workspaceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_workspaceKnown) return _worktrees;
            var workspace = await GitWorkspace.DetectAsync(_git, _options.WorkingDirectory, _options.BaseBranch, cancellationToken).ConfigureAwait(false);
            _worktrees = workspace is null ? null : new MemberWorktrees(_git, workspace, _log);
            _workspaceKnown = true;
            if (workspace is null) LogNoRepository(_options.WorkingDirectory);
            else LogRepository(workspace.WorktreesRoot, workspace.Base);
            return _worktrees;
        }
        finally
        {
            _workspaceGate.Release();
        }
    }

    /// <summary>The binary must resolve on the PATH the pane will get, or tmux would only show a dead pane.</summary>
    private void EnsureBinary(AgentDefinition agent, string? panePath)
    {
        var searched = panePath ?? DefaultSearchPath;
        if (ExecutableLookup.Find(agent.Binary, searched, _options.WorkingDirectory) is not null) return;
        throw new AgentStartException(
            $"native: agent \"{agent.Name}\" cannot start: its binary \"{agent.Binary}\" (agents.toml) is not an executable file"
            + (agent.Binary.Contains('/') ? "" : $" on the pane's PATH ({searched})"));
    }

    private static string CommandLine(AgentDefinition agent)
    {
        var command = TmuxWindowCommand.AgentCommand(agent);
        return ProcessRunner.Display(command[0], command.Skip(1));
    }

    private async Task EnsureSessionAsync(CancellationToken cancellationToken)
    {
        await _sessionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var exists = await _tmux.RunAsync(["has-session", "-t", $"={_options.SessionName}"], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!exists.Succeeded)
            {
                var created = await _tmux.RunAsync(["new-session", "-d", "-s", _options.SessionName, "-c", _options.WorkingDirectory], cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                // another gemba process on the same socket may have won the race; that is fine
                if (!created.Succeeded && !created.StandardError.Contains("duplicate session", StringComparison.OrdinalIgnoreCase))
                    throw new TmuxCommandException(created.Describe());
                LogSessionCreated(_options.SessionName, _options.SocketName);
            }
            // A window option set after new-window would race an agent that exits at once; as a global
            // window option of gemba's own server it is in place before the process starts, so the dead
            // pane and its output stay readable until the plane kills it.
            await _tmux.RunCheckedAsync(["set-option", "-g", "-w", "remain-on-exit", "on"], cancellationToken: cancellationToken).ConfigureAwait(false);
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
            ["display-message", "-p", "-t", pane,
             $"#{{pane_id}}\t#{{pane_dead}}\t#{{{SessionOption}}}\t#{{{AgentOption}}}\t#{{{PersonaOption}}}\t#{{{PrimedOption}}}\t#{{{BeadOption}}}"],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (TmuxClient.IsMissing(result)) return TmuxPaneState.Gone(result.StandardError.Trim());
        if (!result.Succeeded) throw new TmuxCommandException(result.Describe());

        // tmux 3.3 answers a missing -t pane with an empty line and exit 0
        var fields = result.StandardOutput.TrimEnd('\r', '\n').Split('\t');
        if (fields.Length < 7 || fields[0] != pane) return TmuxPaneState.Gone("no such pane");
        if (fields[2] != handle.SessionId)
            return TmuxPaneState.Gone(fields[2].Length == 0 ? "the pane is not a gemba session" : $"the pane now belongs to session {fields[2]}");
        static string? OrNull(string value) => value.Length == 0 ? null : value;
        var alive = fields[1] != "1";
        return new TmuxPaneState(alive, OrNull(fields[3]), alive ? "alive" : "the agent has exited", OrNull(fields[4]), fields[5] == "1", OrNull(fields[6]));
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

    private async Task RemoveQuietlyAsync(MemberWorktrees worktrees, string sessionId, string bead)
    {
        try
        {
            await worktrees.RemoveAsync(sessionId, bead).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TmuxCommandException)
        {
            LogRemoveFailed(sessionId, ex);
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

    // the session id is also a directory name under .gemba/worktrees: no separators, no "..", no leading '-'
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

    [LoggerMessage(Level = LogLevel.Information, Message = "native: spawned {SessionId} in pane {PaneId} running agent {Agent} in {Directory} (tmux -L {Socket})")]
    private partial void LogSpawned(string sessionId, string paneId, string agent, string directory, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: delivered {BeadId} to {SessionId} in pane {PaneId} ({What})")]
    private partial void LogDelivered(string beadId, string sessionId, string paneId, string what);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: could not remove the worktree of {SessionId} after a failed spawn")]
    private partial void LogRemoveFailed(string sessionId, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: the worktree of {SessionId} counts as dirty because the check failed: {Reason}")]
    private partial void LogCheckFailed(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: members work in their own git worktrees under {Root}, bead branches from {Base}")]
    private partial void LogRepository(string root, string @base);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: {Directory} is not in a git repository: agents share it")]
    private partial void LogNoRepository(string directory);
}
