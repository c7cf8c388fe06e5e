using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 3 (information): a whole <c>DispatcherGrain.RunCycle()</c> on the real grains at 10,000 ready
/// beads × 1,000 idle members in 10 pools: snapshot of the JSONL plane, pool views, reconcile,
/// plan, SQLite ledger write, 1,000 claims in the JSONL file, 1,000 session assigns (SQLite each).
/// The beads keep their members busy, so a second cycle shows the cost with nothing to hand out.
/// </summary>
internal static class CycleMeasure
{
    private const string Gate = "cg-0";

    public static async Task RunAsync(bool quick, ResultTable table)
    {
        const int pools = 10;
        var membersPerPool = 100;
        var beads = 10_000;
        var personas = Enumerable.Range(0, pools).Select(i => $"c{i}").ToList();
        var lines = Enumerable.Range(0, beads)
            .Select(i => BeadLines.Work($"cb-{i}", personas[i % pools], i, Gate, durationMs: 3_600_000))
            .Prepend(BeadLines.Gate(Gate, Workspace.GateHolder));

        await using var stack = await EmbeddedStack.StartAsync(personas, membersPerPool, lines);
        var seeding = Stopwatch.StartNew();
        await stack.SeedAsync(membersPerPool);
        seeding.Stop();

        // Closing the gate is our own write: no watcher event, no poke, so the cycle below is the one that sees 10,000 ready beads.
        await stack.WorkPlane.CloseAsync(Gate, Workspace.GateHolder, "benchmark");
        var start = Stopwatch.GetTimestamp();
        var first = await stack.Dispatcher.RunCycle();
        var firstMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        start = Stopwatch.GetTimestamp();
        var second = await stack.Dispatcher.RunCycle();
        var secondMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        table.Add(Row.Info("3. (info) Full RunCycle, 10,000 ready × 1,000 idle members, real grains",
            $"{Row.F(firstMs)} ms", $"dispatched {first.Dispatched:N0} (claims in a 10,001-line JSONL file, SQLite per session); seeding 1,000 members took {seeding.Elapsed.TotalSeconds:0.0} s"));
        table.Add(Row.Info("3. (info) Full RunCycle, 9,000 ready, all members busy",
            $"{Row.F(secondMs)} ms", $"dispatched {second.Dispatched}; snapshot + views + reconcile + plan only"));
    }
}
