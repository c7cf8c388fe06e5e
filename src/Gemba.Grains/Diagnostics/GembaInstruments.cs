using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Pools;

namespace Gemba.Grains.Diagnostics;

/// <summary>Owns Gemba's meter (<c>Gemba</c>) and its instruments; grains report through it.</summary>
/// <remarks>
/// Pool and ready-queue gauges are observed: the dispatcher leaves the latest values here after each
/// cycle (it reads every pool view of its scope anyway) and an exporter reads them when it collects.
/// Values are per silo: a scope's dispatcher runs on one silo, and forgets its values when it leaves.
/// </remarks>
public sealed class GembaInstruments : IDisposable
{
    public const string MeterName = "Gemba";

    private readonly Meter _meter;
    private readonly Counter<long> _cycles;
    private readonly Counter<long> _dispatched;
    private readonly Counter<long> _outcomes;
    private readonly Histogram<double> _cycleDuration;
    private readonly Histogram<double> _dispatchLatency;
    private readonly ConcurrentDictionary<string, int> _readyDepth = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PoolReading> _pools = new(StringComparer.Ordinal);

    public GembaInstruments(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _cycles = _meter.CreateCounter<long>("gemba.dispatch.cycles", description: "Dispatch cycles run");
        _dispatched = _meter.CreateCounter<long>("gemba.dispatch.beads", description: "Beads handed to members");
        _outcomes = _meter.CreateCounter<long>("gemba.dispatch.outcomes", description: "Dispatch decisions logged, by outcome (a waiting bead counts again only when its outcome or reason changes)");
        _cycleDuration = _meter.CreateHistogram<double>("gemba.dispatch.cycle.duration", unit: "ms", description: "Dispatch cycle duration");
        _dispatchLatency = _meter.CreateHistogram<double>("gemba.dispatch.latency", unit: "s",
            description: "Time from a bead first seen ready to its hand-over to a member");
        _meter.CreateObservableGauge("gemba.ready.depth", ObserveReady, description: "Ready beads waiting in a scope at its last dispatch cycle");
        _meter.CreateObservableGauge("gemba.pool.size", () => ObservePools(r => r.Size), description: "A pool's effective size (members it may have)");
        _meter.CreateObservableGauge("gemba.pool.members", () => ObservePools(r => r.Live), description: "A pool's live members");
        _meter.CreateObservableGauge("gemba.pool.busy", () => ObservePools(r => r.Busy), description: "A pool's members holding a bead (occupancy)");
    }

    public void CycleCompleted(TimeSpan elapsed, int dispatched)
    {
        _cycles.Add(1);
        if (dispatched > 0) _dispatched.Add(dispatched);
        _cycleDuration.Record(elapsed.TotalMilliseconds);
    }

    public void DecisionLogged(string scope, string outcome) =>
        _outcomes.Add(1, new KeyValuePair<string, object?>("gemba.scope", scope), new KeyValuePair<string, object?>("gemba.outcome", outcome));

    public void BeadDispatched(string scope, string persona, TimeSpan waitedReady) =>
        _dispatchLatency.Record(Math.Max(0, waitedReady.TotalSeconds),
            new KeyValuePair<string, object?>("gemba.scope", scope), new KeyValuePair<string, object?>("gemba.persona", persona));

    /// <summary>The scope's ready queue and pools as its last cycle saw them.</summary>
    public void ScopeObserved(string scope, int ready, IReadOnlyList<ResolvedPool> pools, IReadOnlyList<PoolView> views)
    {
        _readyDepth[scope] = ready;
        for (var i = 0; i < pools.Count; i++)
        {
            var members = views[i].Members;
            _pools[pools[i].Key.ToString()] = new PoolReading(scope, pools[i].Persona, pools[i].SizeEffective,
                members.Count, members.Count(m => m.CurrentBead is not null));
        }
        foreach (var gone in _pools.Where(p => p.Value.Scope == scope && !pools.Any(c => c.Key.ToString() == p.Key)).Select(p => p.Key).ToList())
            _pools.TryRemove(gone, out _);
    }

    /// <summary>The scope's dispatcher left this silo: its gauges are reported wherever it runs next.</summary>
    public void ScopeForgotten(string scope)
    {
        _readyDepth.TryRemove(scope, out _);
        foreach (var key in _pools.Where(p => p.Value.Scope == scope).Select(p => p.Key).ToList()) _pools.TryRemove(key, out _);
    }

    private IEnumerable<Measurement<int>> ObserveReady() =>
        _readyDepth.Select(r => new Measurement<int>(r.Value, new KeyValuePair<string, object?>("gemba.scope", r.Key)));

    private IEnumerable<Measurement<int>> ObservePools(Func<PoolReading, int> value) =>
        _pools.Select(p => new Measurement<int>(value(p.Value), new TagList
        {
            { "gemba.pool", p.Key },
            { "gemba.scope", p.Value.Scope },
            { "gemba.persona", p.Value.Persona },
        }));

    public void Dispose() => _meter.Dispose();

    private sealed record PoolReading(string Scope, string Persona, int Size, int Live, int Busy);
}
