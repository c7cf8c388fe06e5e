using Gemba.Config;
using Orleans.Concurrency;
namespace Gemba.Dispatch;

/// <summary>
/// Dispatch for one scope: a grain timer as backstop, a reminder for liveness, and <see cref="Poke"/>
/// for event-driven cycles (a bead became ready, a member went idle).
/// </summary>
[Alias("gemba.IDispatcherGrain")]
public interface IDispatcherGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the dispatcher is alive and its reminder registered.</summary>
    [Alias("Start")]
    Task Start();

    /// <summary>
    /// Moves this dispatcher, once idle, to the silo its scope is placed on now (the cluster's
    /// membership changed); nothing happens when it is already there. The moved one runs a cycle.
    /// </summary>
    [Alias("CheckPlacement"), AlwaysInterleave]
    Task CheckPlacement();

    /// <summary>Asks for a cycle soon; many pokes coalesce into one cycle.</summary>
    [Alias("Poke"), OneWay, AlwaysInterleave]
    Task Poke();

    /// <summary>Runs one cycle now and returns its decisions (tests, the CLI, the benchmark).</summary>
    [Alias("RunCycle")]
    Task<CycleReport> RunCycle();

    [Alias("GetDecisions"), AlwaysInterleave]
    Task<IReadOnlyList<DispatchDecision>> GetDecisions(int limit);

    /// <summary>
    /// Plans this scope's current ready beads against <paramref name="draft"/> (the pool editor's
    /// what-if panel) with the cycle's own planner; claims nothing, changes nothing. Interleaves, so
    /// the editor never waits behind a cycle that is spawning agents.
    /// </summary>
    [Alias("WhatIf"), AlwaysInterleave]
    Task<WhatIfReport> WhatIf(ResolvedConfig draft);

    /// <summary>
    /// Starts <paramref name="request"/>'s bead now for an operator: through this scope's claim ledger,
    /// so a bead is claimed at most once whether the operator or a cycle gets there first; a warm idle
    /// member is reused, else the pool grows into the slots <c>reserved_for_manual</c> keeps free.
    /// </summary>
    [Alias("StartManual")]
    Task<ManualStartResult> StartManual(ManualStartRequest request);

    /// <summary>
    /// An operator gives a parked bead another chance: its failure count is forgotten and the parked
    /// label removed, so the next cycle may dispatch it. False when this scope knows no such parked bead.
    /// </summary>
    [Alias("Unpark")]
    Task<bool> Unpark(string beadId);

    /// <summary>
    /// A session holding <paramref name="beadId"/> failed at <paramref name="failedAt"/>; counts toward parking
    /// the bead. The retry back-off runs from <paramref name="failedAt"/>, not from when this one-way call arrives.
    /// </summary>
    [Alias("BeadFailed"), OneWay]
    Task BeadFailed(string beadId, string sessionId, string reason, DateTimeOffset failedAt);
}

[GenerateSerializer, Immutable, Alias("gemba.CycleReport")]
public sealed record CycleReport(int Dispatched, int Waiting, IReadOnlyList<DispatchDecision> Decisions, TimeSpan Elapsed);
