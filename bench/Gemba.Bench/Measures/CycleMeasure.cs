using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 3 (information): whole <c>DispatcherGrain.RunCycle()</c> calls on the real grains with
/// 10,000 ready beads and 1,000 idle members in 10 pools: snapshot of the JSONL plane, pool
/// views, reconcile, plan, SQLite ledger write, claims in the JSONL file, session assigns.
/// Each pool has <c>max_concurrent = 10</c>, so the planner weighs all 1,000 idle members but the
/// cycle hands out 100 beads: every claim rewrites the 10,001-bead file, and 1,000 of them would
/// take minutes (see the JSONL rows). The beads keep their members busy, so a second cycle shows
/// the cost of a cycle with nothing to hand out.
/// </summary>
internal static class CycleMeasure
{
    private const string Gate = "cg-0";

    public static async Task RunAsync(bool quick, ResultTable table)
    {
        const int pools = 10;
        var membersPerPool = quick ? 20 : 100;
        var beads = quick ? 2_000 : 10_000;
        var cap = quick ? 5 : 10;
        var personas = Enumerable.Range(0, pools).Select(i => $"c{i}").ToList();
        var lines = Enumerable.Range(0, beads)
            .Select(i => BeadLines.Work($"cb-{i}", personas[i % pools], i, Gate, durationMs: 3_600_000))
            .Prepend(BeadLines.Gate(Gate, Workspace.GateHolder));

        await using var stack = await EmbeddedStack.StartAsync(personas, membersPerPool, lines, TimeSpan.FromMinutes(5), maxConcurrent: cap);
        var seeding = Stopwatch.StartNew();
        await stack.SeedAsync(membersPerPool);
        seeding.Stop();

        // Closing the gate is our own write: no watcher event, no poke, so the cycle below is the one that sees every bead ready.
        await stack.WorkPlane.CloseAsync(Gate, Workspace.GateHolder, "benchmark");
        var start = Stopwatch.GetTimestamp();
        var first = await stack.Dispatcher.RunCycle();
        var firstMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        start = Stopwatch.GetTimestamp();
        var second = await stack.Dispatcher.RunCycle();
        var secondMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        var scale = $"{beads:N0} ready × {pools * membersPerPool:N0} idle members";
        table.Add(Row.Info($"3. (info) Full RunCycle, {scale}, real grains", $"{Row.F(firstMs)} ms",
            $"dispatched {first.Dispatched} (max_concurrent {cap}/pool) = {Row.F(firstMs / Math.Max(1, first.Dispatched))} ms per dispatched bead; seeding members took {seeding.Elapsed.TotalSeconds:0.0} s"));
        table.Add(Row.Info($"3. (info) Full RunCycle, {beads - first.Dispatched:N0} ready, every pool at its cap", $"{Row.F(secondMs)} ms",
            $"dispatched {second.Dispatched}; snapshot + views + reconcile + plan, no writes"));
    }
}
