using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Grains.Dispatch;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 3: the pure planning step of one dispatch cycle (<see cref="DispatchPlanner.Plan"/>) on
/// synthetic input, single-threaded as the dispatcher grain runs it. Input building is not timed.
/// </summary>
internal static class PlannerMeasure
{
    public static void Run(bool quick, ResultTable table)
    {
        // Enough warm-up runs for tiered compilation to reach optimised code, as in a long-running server.
        var small = Time(SyntheticPlan.Create(42, 10, 100, 10_000), warmup: quick ? 6 : 12, runs: quick ? 7 : 21);
        table.Add(Row.AtMost("3. Planner: 10,000 ready beads × 1,000 members / 10 pools (p50)", small.P50, 100, "ms",
            $"CPU p50 {Row.F(small.CpuP50)} ms; max {Row.F(small.Max)} ms over {small.Runs} runs; {small.Assignments} assignments; {Row.F(small.AllocatedMb)} MB allocated per plan"));

        var large = Time(SyntheticPlan.Create(43, 10, 100, 100_000), warmup: 1, runs: quick ? 1 : 5);
        table.Add(Row.AtMost("3. Planner: 100,000 ready beads × 1,000 members / 10 pools (p50)", large.P50 / 1000, 1.5, "s",
            $"CPU p50 {Row.F(large.CpuP50 / 1000)} s; max {Row.F(large.Max / 1000)} s over {large.Runs} runs; {Row.F(large.AllocatedMb)} MB allocated per plan"));

        var growth = large.P50 / small.P50;
        table.Add(new Row("3. Planner growth 10k → 100k beads", $"{Row.F(growth)}×", "≈ 10× (near-linear)",
            growth <= 15 ? Verdict.Pass : Verdict.Fail, "ratio of the p50s; ≤ 15× counts as near-linear"));
    }

    /// <param name="CpuP50">Process CPU time per plan (GC threads included); less sensitive than wall-clock to a busy machine.</param>
    private sealed record Timing(double P50, double Max, double CpuP50, int Runs, int Assignments, double AllocatedMb);

    private static Timing Time(PlanInput input, int warmup, int runs)
    {
        var assignments = 0;
        for (var i = 0; i < warmup; i++) assignments = DispatchPlanner.Plan(input).Assignments.Count;
        var samples = new Samples();
        var cpu = new Samples();
        using var process = Process.GetCurrentProcess();
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            // A collection between runs keeps one plan's garbage from being billed to the next.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetAllocatedBytesForCurrentThread();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            DispatchPlanner.Plan(input);
            samples.Add(Stopwatch.GetElapsedTime(start));
            process.Refresh();
            cpu.Add(process.TotalProcessorTime - cpuBefore);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return new Timing(samples.P(50), samples.Max, cpu.P(50), runs, assignments, allocated / (double)runs / (1024 * 1024));
    }
}
