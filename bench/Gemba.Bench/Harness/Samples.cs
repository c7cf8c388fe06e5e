namespace Gemba.Bench.Harness;

/// <summary>Latency samples in milliseconds; percentiles by nearest rank on the sorted copy.</summary>
internal sealed class Samples
{
    private readonly List<double> _ms = [];
    private readonly Lock _gate = new();

    public int Count { get { lock (_gate) return _ms.Count; } }

    public void Add(double ms) { lock (_gate) _ms.Add(ms); }

    public void Add(TimeSpan elapsed) => Add(elapsed.TotalMilliseconds);

    public double P(double percentile)
    {
        double[] sorted;
        lock (_gate) sorted = [.. _ms];
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public double Median => P(50);

    public double Max => P(100);
}
