using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;
using Gemba.Events;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 2: a bead becomes ready → a session is working on it. Each target bead is blocked by a
/// gate bead held by an outside actor; closing the gate through the JSONL work plane makes the
/// target ready, then the dispatcher is poked as the API and the file watcher do. The clock runs
/// from the moment the gate's close has landed (the bead is ready) until the EventHub delivers
/// <c>dispatch.dispatched</c> for the target, i.e. after claim, session assign and pool hand-over.
/// One bead at a time, the pool idle before each: this is latency, not throughput.
/// </summary>
internal static class DispatchLatencyMeasure
{
    public const string Persona = "lat";

    /// <summary>The beads file of the latency stack: <paramref name="count"/> (gate, target) pairs.</summary>
    public static IEnumerable<string> Beads(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return BeadLines.Gate($"lg-{i}", Workspace.GateHolder);
            yield return BeadLines.Work($"lb-{i}", Persona, i, $"lg-{i}");
        }
    }

    public static async Task RunAsync(EmbeddedStack stack, int warmup, int iterations, Samples ping, ResultTable table)
    {
        await using var watch = await EventWatch.StartAsync(stack.Events);
        var latency = new Samples();
        var write = new Samples();
        for (var i = 0; i < warmup + iterations; i++)
        {
            var bead = $"lb-{i}";
            var dispatched = watch.Expect(GembaEventKinds.Dispatched, bead);
            var done = watch.Expect(GembaEventKinds.SessionChanged, $"{bead}|bead-done");

            var writeStart = Stopwatch.GetTimestamp();
            if (!await stack.WorkPlane.CloseAsync($"lg-{i}", Workspace.GateHolder, "benchmark"))
                throw new InvalidOperationException($"could not close gate lg-{i}");
            var ready = Stopwatch.GetTimestamp();
            await stack.Dispatcher.Poke();
            var at = await dispatched.WaitAsync(TimeSpan.FromSeconds(30));

            // Let the mock agent finish and the member go idle again before the next bead.
            await done.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(15);
            if (i < warmup) continue;
            latency.Add(Stopwatch.GetElapsedTime(ready, at));
            write.Add(Stopwatch.GetElapsedTime(writeStart, ready));
        }

        var p50 = latency.P(50);
        var p99 = latency.P(99);
        table.Add(Row.Info("2. Dispatch latency p50 (ready → working)", $"{Row.F(p50)} ms",
            $"{Row.F(p50 / ping.P(50)):N0}× the bare call p50; {iterations} beads, one at a time"));
        table.Add(Row.AtMost("2. Dispatch latency p99 (ready → working)", p99, 50, "ms",
            $"{Row.F(p99 / ping.P(99)):N0}× the bare call p99; max {Row.F(latency.Max)} ms"));
        table.Add(Row.Info("2. (the JSONL write that made it ready) p50 / p99", $"{Row.F(write.P(50))} / {Row.F(write.P(99))} ms",
            "close of the gate bead: read + rewrite + fsync of issues.jsonl; not in the latency above"));
    }
}
