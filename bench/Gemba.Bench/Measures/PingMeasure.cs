using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;

namespace Gemba.Bench.Measures;

/// <summary>Row 1: one awaited call from the co-hosted client to a warm trivial grain in the same silo.</summary>
internal static class PingMeasure
{
    public static async Task<Samples> RunAsync(EmbeddedStack stack, int iterations, ResultTable table)
    {
        var grain = stack.Grains.GetGrain<IPingGrain>(0);
        for (var i = 0; i < Math.Max(1000, iterations / 5); i++) await grain.Ping(i); // activation + JIT + tiering

        var samples = new Samples();
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await grain.Ping(i);
            samples.Add(Stopwatch.GetElapsedTime(start));
        }
        table.Add(Row.Info("1. Bare grain call round trip p50 / p99",
            $"{Ms(samples.P(50))} / {Ms(samples.P(99))}", $"{iterations:N0} sequential calls, co-hosted client, warm grain"));
        return samples;
    }

    private static string Ms(double ms) => ms < 1 ? $"{ms * 1000:0} µs" : $"{Row.F(ms)} ms";
}
