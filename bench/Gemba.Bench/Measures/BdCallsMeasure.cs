using System.Diagnostics;
using System.Text.Json.Nodes;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;
using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Bench.Measures;

/// <summary>
/// The bd work plane's cost in subprocesses: the real embedded stack (mock agents that finish at
/// once) on the bd plane, with a stateful fake bd (<c>fakes/bd-stateful</c>, one file per bead in the
/// beads directory's database). Beads are written into that database from outside, as an agent's own
/// bd would; the backstop tick is an hour, so only the plane's change feed can start the dispatch.
/// Counted from the fake's calls.log, from the outside write until the pool is idle again.
/// </summary>
internal static class BdCallsMeasure
{
    private const string Persona = "bdp";
    private const int Members = 4;

    public static async Task RunAsync(bool quick, ResultTable table)
    {
        var count = quick ? 24 : 80;
        var root = Path.Combine(Path.GetTempPath(), $"gemba-bench-bd-{Guid.NewGuid():N}"[..32]);
        var beadsDir = Path.Combine(root, ".beads");
        var store = Path.Combine(beadsDir, "embeddeddolt", "beads");
        var callsLog = Path.Combine(root, ".fake-bd", "calls.log");
        Directory.CreateDirectory(store);
        File.WriteAllText(Path.Combine(beadsDir, "metadata.json"), "{\"database\":\"dolt\",\"backend\":\"dolt\",\"dolt_mode\":\"embedded\"}\n");
        var fake = Path.Combine(AppContext.BaseDirectory, "fakes", "bd-stateful");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, File.GetUnixFileMode(fake) | UnixFileMode.UserExecute);

        try
        {
            await using var stack = await EmbeddedStack.StartAsync([Persona], Members, [], wrapPlane: jsonl =>
            {
                (jsonl as IDisposable)?.Dispose();
                return WorkPlaneFactory.Create("bd", beadsDir, TimeProvider.System, NullLoggerFactory.Instance, fake);
            });
            await stack.SeedAsync(Members);
            var before = Lines(callsLog).Length;

            using var meter = new CycleMeter();
            var cyclesBefore = meter.Read();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++) WriteBead(store, $"bd-{i}", i);

            double? firstClaimMs = null;
            var timeout = TimeSpan.FromSeconds(quick ? 30 : 90);
            var closed = 0;
            while (Stopwatch.GetElapsedTime(start) < timeout)
            {
                if (firstClaimMs is null && Lines(callsLog).Skip(before).Any(l => l.StartsWith("update\t", StringComparison.Ordinal) && l.Contains("\t--claim\t", StringComparison.Ordinal)))
                    firstClaimMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                closed = Directory.EnumerateFiles(store).Count(f => !Path.GetFileName(f).StartsWith('.') && File.ReadLines(f).FirstOrDefault() == "closed");
                if (closed >= count) break;
                await Task.Delay(10);
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            try { await stack.WaitIdleAsync(Members, TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { Console.WriteLine("  (pool still busy when counting)"); }
            var cycles = meter.Read().Cycles - cyclesBefore.Cycles;

            var calls = Lines(callsLog).Skip(before).Select(l => l.Split('\t')).ToList();
            int Count(Func<string[], bool> which) => calls.Count(which);
            var ready = Count(c => c[0] == "ready");
            var list = Count(c => c[0] == "list");
            var claims = Count(c => c[0] == "update" && c.Contains("--claim"));
            var releases = Count(c => c[0] == "update" && !c.Contains("--claim"));
            var shows = Count(c => c[0] == "show");
            var closes = Count(c => c[0] == "close");
            var other = calls.Count - ready - list - claims - releases - shows - closes;
            // The mock agent reads its bead once (MockOrchestrationPlane: GetAsync for the frontmatter);
            // a real agent reads it itself, so that read is not the dispatch path's cost.
            var mockReads = Math.Min(shows, closed);
            var dispatchPath = calls.Count - mockReads;
            var perBead = dispatchPath / (double)Math.Max(1, closed);

            table.Add(new Row("8a. bd subprocesses per dispatched bead (fake bd, embedded stack)", $"{Row.F(perBead)} calls",
                "≤ 3 calls", closed == count && perBead <= 3 ? Verdict.Pass : Verdict.Fail,
                $"{closed} of {count} beads closed in {elapsed.TotalSeconds:0.0} s; ready {ready}, list {list}, claim {claims}, release {releases}, close {closes}, " +
                $"show {shows} (of them {mockReads} the mock agent's own read, left out), other {other}; {cycles} dispatch cycles; 1 pool × {Members} members"));
            table.Add(new Row("8b. bd: a bead written by an outside bd → first claim (change feed, tick 1 h)", firstClaimMs is { } ms ? $"{Row.F(ms)} ms" : "never",
                "< 1,000 ms", firstClaimMs is < 1_000 ? Verdict.Pass : Verdict.Fail, "debounce 100 ms + one cycle; without the feed this waits for the backstop tick"));
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>One bead file in the fake's format: status, assignee, then the rest of the issue as JSON members.</summary>
    private static void WriteBead(string store, string id, int n)
    {
        var issue = JsonNode.Parse(BeadLines.Work(id, Persona, n, gate: null))!.AsObject();
        foreach (var key in new[] { "_type", "id", "status", "assignee" }) issue.Remove(key);
        var rest = issue.ToJsonString()[1..^1];
        var temp = Path.Combine(store, $".{id}.new");
        File.WriteAllText(temp, $"open\n\n{rest}\n");
        File.Move(temp, Path.Combine(store, id), overwrite: true);
    }

    private static string[] Lines(string path)
    {
        try { return File.Exists(path) ? File.ReadAllLines(path) : []; }
        catch (IOException) { return []; }
    }
}
