using System.Diagnostics.Metrics;
using Gemba.Grains.Diagnostics;

namespace Gemba.Bench.Stack;

/// <summary>
/// Listens to the dispatcher's own instruments (meter <c>Gemba</c>) so a throughput run can say
/// how much of its wall time the single dispatcher activation spent inside cycles.
/// </summary>
internal sealed class CycleMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _cycles;
    private long _beads;
    private double _totalMs;

    public CycleMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GembaInstruments.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "gemba.dispatch.cycle.duration") lock (_listener) { _cycles++; _totalMs += value; }
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "gemba.dispatch.beads") Interlocked.Add(ref _beads, value);
        });
        _listener.Start();
    }

    public (long Cycles, long Beads, double TotalMs) Read()
    {
        lock (_listener) return (_cycles, Interlocked.Read(ref _beads), _totalMs);
    }

    public void Dispose() => _listener.Dispose();
}
