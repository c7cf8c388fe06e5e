using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Api.Endpoints;
using Gemba.Bench.Stack;
using Gemba.Silo.Storage;

namespace Gemba.Bench.Measures;

/// <summary>
/// Rows 4 and 5: sustained ready → closed throughput on the real embedded stack (10 pools × 20
/// pre-seeded members, mock agents that finish at once, SQLite state, JSONL beads), then a second
/// wave of the same size with 16 HTTP clients polling <c>/api/pools</c> throughout.
/// </summary>
internal static class ThroughputMeasure
{
    private const int Pools = 10;
    private const int Members = 100;

    // Sized so a wave finishes inside its time cap at today's rate (tens of beads/s, see the diagnosis rows);
    // the file holds both waves, and a bigger file makes every JSONL claim slower still.
    private static int WaveSize(bool quick) => quick ? 500 : 5_000;

    /// <summary>A first, unmeasured wave warms the JIT, the thread pool and the SQLite connections.</summary>
    private static int WarmUpSize(bool quick) => quick ? 200 : 1_000;

    /// <summary>Beads in the end-to-end file: the warm-up wave, two measured waves and their gates.</summary>
    public static int FileBeads(bool quick) => 2 * (WaveSize(quick) + 1) + WarmUpSize(quick) + 1;

    public static async Task RunAsync(bool quick, ResultTable table)
    {
        var wave = WaveSize(quick);
        var timeout = TimeSpan.FromSeconds(quick ? 20 : 90);
        var personas = Enumerable.Range(0, Pools).Select(i => $"t{i}").ToList();
        var lines = new List<string>();
        foreach (var w in new[] { 0, 1, 2 })
        {
            lines.Add(BeadLines.Gate($"tg-{w}", Workspace.GateHolder));
            for (var i = 0; i < (w == 0 ? WarmUpSize(quick) : wave); i++) lines.Add(BeadLines.Work($"tw{w}-{i}", personas[i % Pools], i, $"tg-{w}"));
        }

        var stack = await EmbeddedStack.StartAsync(personas, Members, lines);
        await stack.SeedAsync(Members);

        // The raw ceiling of the storage's write pattern, on the same disk, while the silo is idle.
        var commits = await SqliteCommitProbe.CommitsPerSecondAsync(Path.Combine(stack.Workspace.StateDir, "probe.db"), quick ? 1_000 : 3_000);

        await StorageOnlyMeasure.RunAsync(quick, stack.Workspace.StateDir, table);
        var idleApi = await PoolsApiLoad.RunAsync(stack.BaseUrl, TimeSpan.FromSeconds(quick ? 2 : 4), clients: 16);

        await Wave(stack, 0, WarmUpSize(quick), timeout);

        using var meter = new CycleMeter();
        var cyclesBefore = meter.Read();
        var clean = await Wave(stack, 1, wave, timeout);
        var cycles = meter.Read();
        var cycleCount = cycles.Cycles - cyclesBefore.Cycles;
        var cycleMs = cycles.TotalMs - cyclesBefore.TotalMs;
        table.Add(Row.AtLeast("4. End-to-end throughput, ready → closed", clean.PerSecond, 1_000, "beads/s",
            $"{clean.Closed:N0} of {wave:N0} beads in {clean.Elapsed.TotalSeconds:0.0} s; {Pools} pools × {Members} members; file of {lines.Count:N0} beads"));
        table.Add(Row.Info("4. Raw SQLite commit rate (SqliteCommitProbe)", $"{Row.F(commits)} commits/s",
            $"throughput ÷ commit rate = {clean.PerSecond / commits:0.000}; the stack needs ≥ 2 session writes per bead"));
        table.Add(Row.Info("4. (diagnosis) dispatcher time inside cycles during the wave", $"{100 * cycleMs / clean.Elapsed.TotalMilliseconds:0}%",
            $"{cycleCount:N0} cycles, {Row.F(cycleMs / Math.Max(1, cycleCount))} ms and {Row.F((cycles.Beads - cyclesBefore.Beads) / (double)Math.Max(1, cycleCount))} beads each: one activation runs them one after another"));

        using var load = new CancellationTokenSource();
        var api = PoolsApiLoad.RunAsync(stack.BaseUrl, Timeout.InfiniteTimeSpan, clients: 16, load.Token);
        var loaded = await Wave(stack, 2, wave, timeout);
        await load.CancelAsync();
        var underLoad = await api;
        var page = await PoolsPageLoad.RunAsync(stack.BaseUrl, quick ? 3 : 10);
        // Settle before stopping so shutdown does not race a wave that is still draining.
        try { await stack.WaitIdleAsync(Members, TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { Console.WriteLine("  (second wave still draining at shutdown)"); }
        await stack.DisposeAsync();

        table.Add(Row.Info("5. GET /api/pools p50 (16 clients, during e2e load)", $"{Row.F(underLoad.P(50))} ms",
            $"{underLoad.Count:N0} requests, {Pools} pools × {Members} members; idle p50 / p99 {Row.F(idleApi.P(50))} / {Row.F(idleApi.P(99))} ms"));
        table.Add(Row.AtMost("5. GET /api/pools p99 (16 clients, during e2e load)", underLoad.P(99), 20, "ms",
            $"e2e throughput meanwhile {Row.F(loaded.PerSecond)} beads/s ({loaded.Closed:N0} of {wave:N0}); reads shared ≤ {PoolsReadCache.MaxAge.TotalMilliseconds:0} ms"));
        if (page is var (content, interactive))
        {
            table.Add(Row.AtMost($"5. /pools page load to content, {Pools * Members:N0} members (chromium)", content.P(50), 1_000, "ms",
                $"median of {content.Count} fresh tabs, p99 {Row.F(content.P(99))} ms; live circuit (interactive) p50 {Row.F(interactive.P(50))} ms; after the loaded wave"));
        }

        // A second, fresh stack in the now-warm process: members without history, same file. It shows how much
        // of the first wave's cost is members' profiles (planning) and process warm-up rather than the write path.
        await using var fresh = await EmbeddedStack.StartAsync(personas, Members, lines);
        await fresh.SeedAsync(Members);
        var whatIf = await Wave(fresh, 1, wave, timeout);
        table.Add(Row.Info("4. (diagnosis) same wave on a fresh stack: members without history", $"{Row.F(whatIf.PerSecond)} beads/s",
            $"{whatIf.Closed:N0} of {wave:N0} in {whatIf.Elapsed.TotalSeconds:0.0} s; second stack in the warm process; the gap to the headline is planning against warm profiles and warm-up"));
    }

    private sealed record WaveResult(int Closed, TimeSpan Elapsed)
    {
        public double PerSecond => Closed / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    /// <summary>Opens the gate of wave <paramref name="w"/> and waits until its beads are all closed (or time runs out).</summary>
    private static async Task<WaveResult> Wave(EmbeddedStack stack, int w, int count, TimeSpan timeout)
    {
        var prefix = $"tw{w}-";
        var start = Stopwatch.GetTimestamp();
        await stack.WorkPlane.CloseAsync($"tg-{w}", Workspace.GateHolder, "benchmark");
        await stack.Dispatcher.Poke();
        var closed = 0;
        var lastClose = start;
        while (Stopwatch.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(20);
            var snapshot = await stack.WorkPlane.SnapshotAsync();
            var now = snapshot.Beads.Count(b => b.IsClosed && b.Id.StartsWith(prefix, StringComparison.Ordinal));
            if (now > closed) { closed = now; lastClose = Stopwatch.GetTimestamp(); }
            if (closed >= count) break;
        }
        return new WaveResult(closed, Stopwatch.GetElapsedTime(start, lastClose));
    }
}
