using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;
using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 4 diagnosis: the JSONL work plane alone, no Orleans, on a file as large as the end-to-end
/// one. Every claim and close is a read-modify-write of the whole file with an fsync; concurrent
/// edits are batched into one such cycle, so the plane's ceiling depends on how many callers wait.
/// </summary>
internal static class PlaneOnlyMeasure
{
    public static async Task RunAsync(bool quick, int fileBeads, ResultTable table)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gemba-bench-plane-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllLinesAsync(Path.Combine(dir, "issues.jsonl"),
                Enumerable.Range(0, fileBeads).Select(i => BeadLines.Work($"pb-{i}", "p", i, gate: null)));
            var plane = WorkPlaneFactory.Create("jsonl", dir, TimeProvider.System, NullLoggerFactory.Instance);
            try
            {
                // One caller at a time: the cost of one read-modify-write cycle of the file.
                var sequential = new Samples();
                var next = 0;
                for (var i = 0; i < (quick ? 20 : 60); i++, next++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await plane.ClaimAsync($"pb-{next}", "solo");
                    sequential.Add(Stopwatch.GetElapsedTime(start));
                }

                // A burst of claims issued the way DispatcherGrain.Execute issues them: Task.WhenAll over a Select.
                var burst = quick ? 50 : 100;
                var burstStart = Stopwatch.GetTimestamp();
                await Task.WhenAll(Enumerable.Range(next, burst).Select(i => plane.ClaimAsync($"pb-{i}", "burst")));
                var burstMs = Stopwatch.GetElapsedTime(burstStart).TotalMilliseconds;
                next += burst;

                // 200 workers (as many as the e2e members), each claiming then closing, like dispatcher + agent.
                var total = quick ? 1_000 : 3_000;
                var first = next;
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, 200).Select(w => Task.Run(async () =>
                {
                    for (var i = Interlocked.Increment(ref next) - 1; i < first + total; i = Interlocked.Increment(ref next) - 1)
                    {
                        var actor = $"w{w}";
                        await plane.ClaimAsync($"pb-{i}", actor);
                        await plane.CloseAsync($"pb-{i}", actor, "done");
                    }
                })));
                watch.Stop();
                var perSecond = total / watch.Elapsed.TotalSeconds;
                table.Add(Row.Info("4. (diagnosis) JSONL plane alone: one claim, whole-file rewrite p50",
                    $"{Row.F(sequential.P(50))} ms", $"p99 {Row.F(sequential.P(99))} ms; file of {fileBeads:N0} beads; = {1000 / sequential.P(50):0} sequential writes/s"));
                table.Add(Row.Info("4. (diagnosis) JSONL plane alone: burst of claims as the dispatcher issues them",
                    $"{Row.F(burstMs / burst)} ms per claim", $"{burst} claims in {Row.F(burstMs)} ms: queued together, they share rewrites"));
                table.Add(Row.Info("4. (diagnosis) JSONL plane alone: claim + close, 200 concurrent workers",
                    $"{Row.F(perSecond)} beads/s", $"{total:N0} beads; edits batched per rewrite; no Orleans, no SQLite"));
            }
            finally
            {
                (plane as IDisposable)?.Dispose();
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
