using System.Diagnostics.Metrics;

namespace Gemba.Grains.Diagnostics;

/// <summary>Owns Gemba's meter (<c>Gemba</c>) and its instruments; grains report through it.</summary>
public sealed class GembaInstruments : IDisposable
{
    public const string MeterName = "Gemba";

    private readonly Meter _meter;
    private readonly Counter<long> _cycles;
    private readonly Counter<long> _dispatched;
    private readonly Histogram<double> _cycleDuration;

    public GembaInstruments(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _cycles = _meter.CreateCounter<long>("gemba.dispatch.cycles", description: "Dispatch cycles run");
        _dispatched = _meter.CreateCounter<long>("gemba.dispatch.beads", description: "Beads handed to members");
        _cycleDuration = _meter.CreateHistogram<double>("gemba.dispatch.cycle.duration", unit: "ms", description: "Dispatch cycle duration");
    }

    public void CycleCompleted(TimeSpan elapsed, int dispatched)
    {
        _cycles.Add(1);
        if (dispatched > 0) _dispatched.Add(dispatched);
        _cycleDuration.Record(elapsed.TotalMilliseconds);
    }

    public void Dispose() => _meter.Dispose();
}
