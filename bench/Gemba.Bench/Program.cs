using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Measures;
using Gemba.Bench.Stack;

// dotnet run -c Release --project bench/Gemba.Bench [-- --quick] [-- --only planner,latency,throughput,cycle,bd,signal,cluster]
// Prints one table and writes it, with the machine it ran on, into bench/README.md.
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',').ToHashSet(StringComparer.OrdinalIgnoreCase);
bool Selected(string name) => only is null || only.Contains(name);

#if DEBUG
Console.Error.WriteLine("warning: Debug build; run with -c Release for numbers worth reading");
#endif

var machine = MachineInfo.Capture();
foreach (var line in machine.Lines()) Console.WriteLine(line);
Console.WriteLine(quick ? "mode: --quick (smaller sizes; smoke only)" : "mode: full");
Console.WriteLine();

var table = new ResultTable();
var run = Stopwatch.StartNew();

if (Selected("planner"))
{
    Console.WriteLine("▶ planner (pure)");
    PlannerMeasure.Run(quick, table);
}

if (Selected("latency"))
{
    Console.WriteLine("▶ embedded stack: grain calls, dispatch latency, session memory");
    var warmup = quick ? 10 : 20;
    var iterations = quick ? 60 : 300;
    await using var stack = await EmbeddedStack.StartAsync([DispatchLatencyMeasure.Persona], 4, DispatchLatencyMeasure.Beads(warmup + iterations));
    await stack.SeedAsync(4);
    var ping = await PingMeasure.RunAsync(stack, quick ? 5_000 : 20_000, table);
    await DispatchLatencyMeasure.RunAsync(stack, warmup, iterations, ping, table);
    await SessionMemoryMeasure.RunAsync(stack, quick ? 5_000 : 20_000, table);
}

if (Selected("throughput"))
{
    Console.WriteLine("▶ embedded stack: sustained throughput, /api/pools under load");
    await ThroughputMeasure.RunAsync(quick, table);
    await PlaneOnlyMeasure.RunAsync(quick, ThroughputMeasure.FileBeads(quick), table);
}

if (Selected("cycle"))
{
    Console.WriteLine("▶ embedded stack: one full dispatch cycle at 10,000 beads");
    await CycleMeasure.RunAsync(quick, table);
}

if (Selected("bd"))
{
    Console.WriteLine("▶ embedded stack on the bd work plane (stateful fake bd): subprocesses per bead, change feed");
    await BdCallsMeasure.RunAsync(quick, table);
}

if (Selected("signal"))
{
    Console.WriteLine("▶ the agent's signal: gemba-state bead-done against ./gemba serve");
    await AgentSignalMeasure.RunAsync(quick, table);
}

if (Selected("cluster"))
{
    Console.WriteLine("▶ redis cluster: ./gemba serve processes on a real redis-server (kill → next dispatch, 3 silos vs 1)");
    await ClusterMeasure.RunAsync(quick, table);
}

run.Stop();
Console.WriteLine();
Console.WriteLine(table.ToConsole());
Console.WriteLine($"whole run: {run.Elapsed.TotalSeconds:0} s");

if (only is null && ReadmeWriter.Locate() is { } readme)
{
    ReadmeWriter.Write(readme, machine, table, quick, run.Elapsed);
    Console.WriteLine($"results written to {readme}");
}

var failed = table.Rows.Count(r => r.Verdict == Verdict.Fail);
Console.WriteLine(failed == 0 ? "all targets met" : $"{failed} target(s) missed");
