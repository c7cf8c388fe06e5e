using Gemba.Bench.Harness;
using Gemba.Bench.Stack;
using Gemba.Pools;
using Gemba.Sessions;

namespace Gemba.Bench.Measures;

/// <summary>
/// Row 6: managed heap per idle session. Starts N sessions on the mock plane (each persisted to
/// SQLite, each with a live mock pane), forces full compacting collections, and divides the heap
/// growth by N. Native memory (SQLite page cache, thread stacks) is not counted.
/// </summary>
internal static class SessionMemoryMeasure
{
    public static async Task RunAsync(EmbeddedStack stack, int count, ResultTable table)
    {
        var pool = new PoolKey(PoolKey.LocalScope, DispatchLatencyMeasure.Persona);
        // A first batch pays one-off costs (JIT, directory buckets, connection pool) outside the delta.
        await Start(stack, pool, "mem-warm", 500);
        var before = Heap();
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Start(stack, pool, "mem", count);
        started.Stop();
        var after = Heap();
        var perSession = (after - before) / (double)count / 1024;
        table.Add(Row.AtMost("6. Managed heap per idle session grain", perSession, 10, "KB",
            $"{count:N0} sessions started (Start on the mock plane, SQLite state) in {started.Elapsed.TotalSeconds:0.0} s; heap +{(after - before) / 1048576.0:0.0} MB"));
    }

    private static async Task Start(EmbeddedStack stack, PoolKey pool, string prefix, int count)
    {
        const int inFlight = 256;
        for (var batch = 0; batch < count; batch += inFlight)
        {
            var calls = Enumerable.Range(batch, Math.Min(inFlight, count - batch))
                .Select(i => stack.Grains.GetGrain<ISessionGrain>($"{prefix}-{i}").Start(pool, "claude", null));
            foreach (var summary in await Task.WhenAll(calls))
                if (summary.Status != SessionStatus.Ready) throw new InvalidOperationException($"session {summary.SessionId} is {summary.Status}, not idle");
        }
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
