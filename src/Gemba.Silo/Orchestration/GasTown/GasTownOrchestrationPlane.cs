using System.Collections.Concurrent;
using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>
/// Members are Gas Town polecats (DESIGN §6, original §6.2-6.3). A pool's scope IS the rig — unlike
/// the original, which slung every pool to the first operational rig. A handle's address is the
/// polecat's hook address <c>&lt;rig&gt;/polecats/&lt;name&gt;</c>; gt has no pane to give.
/// </summary>
internal sealed partial class GasTownOrchestrationPlane : IOrchestrationPlane
{
    public const string Id = "gastown";

    private readonly GtClient _gt;
    private readonly ILogger<GasTownOrchestrationPlane> _log;
    private readonly TimeProvider _time;

    /// <summary>What each session was spawned as, so a warm deliver slings with the same agent and persona.</summary>
    private readonly ConcurrentDictionary<string, (string AgentType, string Persona)> _spawnedAs = new(StringComparer.Ordinal);

    private GtCapabilities? _capabilities;

    public GasTownOrchestrationPlane(GtClient gt, ILogger<GasTownOrchestrationPlane> log, TimeProvider? time = null)
    {
        _gt = gt;
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    public string AdaptorId => Id;

    /// <summary>How often and how long to look for the polecat that took a freshly slung bead.</summary>
    internal int SpawnLookupAttempts { get; init; } = 5;

    internal TimeSpan SpawnLookupDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The probe result, taken once (a failed probe is retried on the next call).</summary>
    public async Task<GtCapabilities> CapabilitiesAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _capabilities) is { } cached) return cached;
        var probed = await _gt.ProbeAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _capabilities, probed);
        return probed;
    }

    public async Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rig = request.Pool.Scope;
        var persona = request.Pool.Persona;
        Names.EnsureValid(rig, "rig");
        Names.EnsureValid(persona, "persona");
        Names.EnsureValid(request.AgentType, "agent type");
        if (request.FirstBead is not { } bead)
            throw new NotSupportedException(
                $"gastown: cannot pre-seed an idle member for pool {request.Pool}: gt creates polecats on demand when a bead is slung (gt sling --create), so gastown pools start members only with a bead");
        Names.EnsureValid(bead.BeadId, "bead id");

        var rigs = await _gt.ListRigsAsync(cancellationToken).ConfigureAwait(false);
        var found = rigs.FirstOrDefault(r => string.Equals(r.Name, rig, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"gastown: pool {request.Pool} names rig '{rig}', which `gt rig list --json` does not show (rigs: {(rigs.Count == 0 ? "none" : string.Join(", ", rigs.Select(r => r.Name)))}); a gastown pool's scope must be a rig");
        if (found.Status is { } status && !string.Equals(status, "operational", StringComparison.OrdinalIgnoreCase))
            LogRigNotOperational(rig, status);

        await _gt.SlingAsync(bead.BeadId, rig, request.AgentType, PersonaArgs(persona), create: true, cancellationToken).ConfigureAwait(false);
        _spawnedAs[request.SessionId] = (request.AgentType, persona);

        var polecat = await FindHolderAsync(rig, bead.BeadId, cancellationToken).ConfigureAwait(false);
        if (polecat is null)
        {
            _spawnedAs.TryRemove(request.SessionId, out _);
            throw new InvalidOperationException(
                $"gastown: slung {bead.BeadId} to rig '{rig}', but no polecat in `gt polecat list --all --json` holds it after {SpawnLookupAttempts} looks; " +
                "if scheduler.max_polecats > 0, gt only queued it (deferred dispatch), which gemba pools do not support: set it to -1 or 0. The bead may still be hooked in gt");
        }
        LogSpawned(request.SessionId, bead.BeadId, polecat.Address);
        return new SessionHandle(request.SessionId, Id, null, polecat.Address);
    }

    public async Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var (rig, name) = ParseAddress(handle);
        string? agentType = null;
        string? args = null;
        if (_spawnedAs.TryGetValue(handle.SessionId, out var spawnedAs))
        {
            agentType = spawnedAs.AgentType;
            args = PersonaArgs(spawnedAs.Persona);
        }
        await _gt.SlingAsync(assignment.BeadId, $"{rig}/{name}", agentType, args, create: false, cancellationToken).ConfigureAwait(false);
        LogDelivered(handle.SessionId, assignment.BeadId, $"{rig}/{name}");
    }

    public async Task RecycleAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        var (rig, name) = ParseAddress(handle);
        var capabilities = await CapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        if (!capabilities.HasHandoff) throw new NotSupportedException("gt handoff not available in this gt version");

        var state = await _gt.GitStateAsync(rig, name, cancellationToken).ConfigureAwait(false);
        if (state.IsDirty)
            throw new InvalidOperationException(
                $"gastown: not recycling {rig}/polecats/{name}: its worktree is dirty ({state.Describe()}); nothing was reset or handed off");
        await _gt.HandoffAsync(rig, name, cancellationToken).ConfigureAwait(false);
        LogRecycled(handle.SessionId, $"{rig}/{name}");
    }

    public async Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _spawnedAs.TryRemove(handle.SessionId, out _);
        if (handle.Address is null) return; // never got a polecat
        var (rig, name) = ParseAddress(handle);
        var polecat = await FindPolecatAsync(rig, name, cancellationToken).ConfigureAwait(false);
        if (polecat?.Issue is not { } bead) return; // gone, or holds nothing: already stopped

        try
        {
            await _gt.UnslingAsync(bead, force: false, cancellationToken).ConfigureAwait(false);
        }
        catch (GtCommandException)
        {
            // Idempotent: a concurrent stop or gt itself may have released it in between.
            var again = await FindPolecatAsync(rig, name, cancellationToken).ConfigureAwait(false);
            if (again?.Issue == bead) throw;
        }
        LogStopped(handle.SessionId, bead, $"{rig}/{name}");
    }

    /// <summary>Alive when gt lists the polecat with a running session. A failing query throws: "unknown" is not "dead".</summary>
    public async Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle.Address is null) return false;
        var (rig, name) = ParseAddress(handle);
        var polecat = await FindPolecatAsync(rig, name, cancellationToken).ConfigureAwait(false);
        return polecat is { SessionRunning: true };
    }

    /// <summary>Clean only when gt says so; any error counts as dirty so bead-done never loses work.</summary>
    public async Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        try
        {
            var (rig, name) = ParseAddress(handle);
            var state = await _gt.GitStateAsync(rig, name, cancellationToken).ConfigureAwait(false);
            return state.IsDirty ? WorktreeStatus.Dirty(state.UncommittedFiles, state.Describe()) : WorktreeStatus.Clean;
        }
        catch (Exception ex) when (ex is GtCommandException or ArgumentException)
        {
            LogGitStateFailed(handle.SessionId, ex.Message);
            return WorktreeStatus.Dirty([], $"the git-state check failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Beads prefix (without a trailing '-') → rig name, from <c>gt rig list --json</c>, for routing
    /// beads to scopes. The first rig wins a duplicated prefix.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> RigPrefixesAsync(CancellationToken cancellationToken = default)
    {
        var rigs = await _gt.ListRigsAsync(cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rig in rigs)
        {
            var prefix = rig.BeadsPrefix?.Trim().TrimEnd('-');
            if (string.IsNullOrEmpty(prefix)) continue;
            if (!map.TryAdd(prefix, rig.Name)) LogDuplicatePrefix(prefix, map[prefix], rig.Name);
        }
        return map;
    }

    private static string PersonaArgs(string persona) => $"persona:{persona}";

    /// <summary><c>&lt;rig&gt;/polecats/&lt;name&gt;</c> (or the short <c>&lt;rig&gt;/&lt;name&gt;</c>), both parts valid names.</summary>
    internal static (string Rig, string Name) ParseAddress(SessionHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var parts = (handle.Address ?? "").Split('/');
        var (rig, name) = parts switch
        {
            [var r, "polecats", var n] => (r, n),
            [var r, var n] when n != "polecats" => (r, n),
            _ => ("", ""),
        };
        if (!Names.IsValid(rig) || !Names.IsValid(name))
            throw new ArgumentException($"gastown: session {handle.SessionId} has address '{handle.Address}', not a polecat address <rig>/polecats/<name>");
        return (rig, name);
    }

    private async Task<GtPolecat?> FindPolecatAsync(string rig, string name, CancellationToken cancellationToken)
    {
        var polecats = await _gt.ListPolecatsAsync(cancellationToken).ConfigureAwait(false);
        return polecats.FirstOrDefault(p => p.Rig == rig && p.Name == name);
    }

    private async Task<GtPolecat?> FindHolderAsync(string rig, string bead, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var polecats = await _gt.ListPolecatsAsync(cancellationToken).ConfigureAwait(false);
            var holder = polecats.Where(p => p.Rig == rig && p.Issue == bead).OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
            if (holder is not null || attempt >= SpawnLookupAttempts) return holder;
            await Task.Delay(SpawnLookupDelay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "gastown: rig {Rig} is {Status}, not operational; slinging anyway, gt decides")]
    private partial void LogRigNotOperational(string rig, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "gastown: session {SessionId} slung {BeadId} to {Address}")]
    private partial void LogSpawned(string sessionId, string beadId, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "gastown: session {SessionId} got {BeadId} on warm polecat {Target}")]
    private partial void LogDelivered(string sessionId, string beadId, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "gastown: session {SessionId} handed off {Target}")]
    private partial void LogRecycled(string sessionId, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "gastown: session {SessionId} unslung {BeadId} from {Target}")]
    private partial void LogStopped(string sessionId, string beadId, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gastown: git-state for session {SessionId} failed, counting the worktree as dirty: {Message}")]
    private partial void LogGitStateFailed(string sessionId, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gastown: beads prefix {Prefix} belongs to rig {Kept} and rig {Ignored}; routing it to the first")]
    private partial void LogDuplicatePrefix(string prefix, string kept, string ignored);
}
