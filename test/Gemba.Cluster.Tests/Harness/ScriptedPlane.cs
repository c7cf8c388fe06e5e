using System.Collections.Concurrent;
using Gemba.Orchestration;
using Gemba.Sessions;

namespace Gemba.Cluster.Tests.Harness;

/// <summary>What the orchestration plane was asked to do, in order.</summary>
public enum PlaneCallKind { Spawn, Deliver, Recycle, Stop, FailedSpawn }

/// <param name="BeadId">The bead handed over (spawn with a first bead, deliver); null otherwise.</param>
public sealed record PlaneCall(long Sequence, PlaneCallKind Kind, string SessionId, string? BeadId, string? AgentType);

/// <summary>A bead handed to a member: the spawn or delivery that gives an agent work.</summary>
public sealed record Handover(long Sequence, string SessionId, string BeadId, bool Spawned);

/// <summary>
/// The test's orchestration plane, shared by every silo of a cluster: records each call, tracks which
/// session holds which bead (a hold starts at spawn/deliver and ends when the test reports the bead
/// done or failed, or the member is stopped), can hold a bead's hand-over at a gate to simulate a hang,
/// and can report a dirty worktree. Thread-safe; <see cref="Changed"/> fires after every recorded call.
/// </summary>
public sealed class ScriptedPlane : IOrchestrationPlane
{
    private readonly Lock _lock = new();
    private readonly List<PlaneCall> _calls = [];
    private readonly Dictionary<string, string> _holder = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private readonly ConcurrentDictionary<string, BeadGate> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _dirty = new(StringComparer.Ordinal);
    private long _sequence;
    private int _failingSpawns;

    public string AdaptorId => "scripted";

    /// <summary>Raised after every recorded call (on a grain thread: handlers must not block).</summary>
    public event Action? Changed;

    /// <summary>Raised for every hand-over, after it is recorded and before the plane returns.</summary>
    public event Action<Handover>? HandedOver;

    public IReadOnlyList<PlaneCall> Calls
    {
        get { lock (_lock) return [.. _calls]; }
    }

    public IReadOnlyList<Handover> Handovers
    {
        get
        {
            lock (_lock)
                return [.. _calls.Where(c => c.BeadId is not null && c.Kind is PlaneCallKind.Spawn or PlaneCallKind.Deliver)
                    .Select(c => new Handover(c.Sequence, c.SessionId, c.BeadId!, c.Kind == PlaneCallKind.Spawn))];
        }
    }

    public IReadOnlyList<PlaneCall> CallsOf(PlaneCallKind kind) => [.. Calls.Where(c => c.Kind == kind)];

    /// <summary>Every time a bead was handed to a session while another session still held it.</summary>
    public IReadOnlyList<string> Violations
    {
        get { lock (_lock) return [.. _violations]; }
    }

    public int MaxConcurrentHolds { get; private set; }

    /// <summary>How many beads are held right now (handed over and not yet reported done, failed or stopped).</summary>
    public int HeldNow
    {
        get { lock (_lock) return _holder.Count; }
    }

    public IReadOnlyDictionary<string, string> Holders
    {
        get { lock (_lock) return new Dictionary<string, string>(_holder, StringComparer.Ordinal); }
    }

    /// <summary>Holds the next hand-over of <paramref name="beadId"/> until the gate is released.</summary>
    public BeadGate Block(string beadId) => _gates.GetOrAdd(beadId, id => new BeadGate(id));

    public void SetDirty(string sessionId, bool dirty) => _dirty[sessionId] = dirty;

    /// <summary>The next <paramref name="count"/> spawns throw, as a missing agent binary does.</summary>
    public void FailSpawns(int count) => Interlocked.Exchange(ref _failingSpawns, count);

    /// <summary>The test (acting as the agent) had a bead-done or failure accepted: the hold ends.</summary>
    public void Released(string sessionId, string beadId)
    {
        lock (_lock)
        {
            if (_holder.TryGetValue(beadId, out var holder) && holder == sessionId) _holder.Remove(beadId);
        }
        Changed?.Invoke();
    }

    public async Task<SessionHandle> SpawnAsync(SpawnRequest request, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _failingSpawns) >= 0)
        {
            Record(PlaneCallKind.FailedSpawn, request.SessionId, request.FirstBead?.BeadId, request.AgentType);
            throw new InvalidOperationException($"native: agent {request.AgentType}: binary \"no-such-agent\" not found on PATH");
        }
        Interlocked.Exchange(ref _failingSpawns, 0);
        if (request.FirstBead is { } first) await Handover(request.SessionId, first.BeadId, PlaneCallKind.Spawn, request.AgentType);
        else Record(PlaneCallKind.Spawn, request.SessionId, null, request.AgentType);
        return new SessionHandle(request.SessionId, AdaptorId, $"pane-{request.SessionId}", null);
    }

    public Task DeliverAsync(SessionHandle handle, BeadAssignment assignment, CancellationToken cancellationToken = default) =>
        Handover(handle.SessionId, assignment.BeadId, PlaneCallKind.Deliver, null);

    public Task RecycleAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        Record(PlaneCallKind.Recycle, handle.SessionId, null, null);
        return Task.CompletedTask;
    }

    public Task StopAsync(SessionHandle handle, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var bead in _holder.Where(h => h.Value == handle.SessionId).Select(h => h.Key).ToList()) _holder.Remove(bead);
        }
        Record(PlaneCallKind.Stop, handle.SessionId, null, null);
        return Task.CompletedTask;
    }

    public Task<bool> IsAliveAsync(SessionHandle handle, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<WorktreeStatus> CheckWorktreeAsync(SessionHandle handle, CancellationToken cancellationToken = default) =>
        Task.FromResult(_dirty.GetValueOrDefault(handle.SessionId) ? WorktreeStatus.Dirty(["scratch.txt"]) : WorktreeStatus.Clean);

    private async Task Handover(string sessionId, string beadId, PlaneCallKind kind, string? agentType)
    {
        if (_gates.TryRemove(beadId, out var gate)) await gate.Hold(sessionId);
        var call = Record(kind, sessionId, beadId, agentType, hold: true);
        HandedOver?.Invoke(new Handover(call.Sequence, sessionId, beadId, kind == PlaneCallKind.Spawn));
    }

    private PlaneCall Record(PlaneCallKind kind, string sessionId, string? beadId, string? agentType, bool hold = false)
    {
        PlaneCall call;
        lock (_lock)
        {
            call = new PlaneCall(++_sequence, kind, sessionId, beadId, agentType);
            _calls.Add(call);
            if (hold && beadId is not null)
            {
                if (_holder.TryGetValue(beadId, out var other) && other != sessionId)
                    _violations.Add($"#{call.Sequence}: {beadId} handed to {sessionId} while {other} still held it");
                _holder[beadId] = sessionId;
                MaxConcurrentHolds = Math.Max(MaxConcurrentHolds, _holder.Count);
            }
        }
        Changed?.Invoke();
        return call;
    }
}

/// <summary>A hang on one bead's hand-over: <see cref="Entered"/> completes when the plane is stuck in it.</summary>
public sealed class BeadGate(string beadId)
{
    private readonly TaskCompletionSource<string> _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string BeadId { get; } = beadId;

    /// <summary>Completes with the session id whose hand-over is stuck.</summary>
    public Task<string> Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    internal Task Hold(string sessionId)
    {
        _entered.TrySetResult(sessionId);
        return _release.Task;
    }
}
