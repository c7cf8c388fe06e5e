using System.Diagnostics;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;

namespace Gemba.Bench.Measures;

/// <summary>
/// Rows 9: real <c>./gemba serve --cluster redis</c> processes on a real redis-server. How long a
/// scope waits for its next dispatch when the silo hosting its dispatcher is SIGKILLed, and the
/// end-to-end throughput of three silos beside one, and <c>/api/pools</c> under load through a gateway.
/// </summary>
internal static class ClusterMeasure
{
    private const string Scope = "local";

    public static async Task RunAsync(bool quick, ResultTable table)
    {
        var beads = quick ? 500 : 2000;
        var one = await ThroughputAsync(1, beads);
        var three = await ThroughputAsync(3, beads);
        table.Add(Row.Info("9. Cluster throughput, 1 silo on Redis, ready → closed", $"{Row.F(one.Rate)} beads/s",
            $"{beads:N0} beads in {one.Elapsed.TotalSeconds:0.0} s; pool of 30 mock members (duration 0), JSONL file shared by the silos"));
        table.Add(Row.Info("9. Cluster throughput, 3 silos on Redis, ready → closed", $"{Row.F(three.Rate)} beads/s",
            $"{beads:N0} beads in {three.Elapsed.TotalSeconds:0.0} s; {three.Rate / one.Rate:0.00}× one silo; same pool, one scope (one dispatcher), three processes on 2 cores"));

        await GatewayLoadAsync(quick ? 500 : 2000, table);

        var rounds = quick ? 1 : 3;
        var kills = new Samples();
        var recoveries = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var (toDispatch, toDrain) = await KillRoundAsync(quick ? 800 : 2000);
            kills.Add(toDispatch);
            recoveries.Add(toDrain.TotalSeconds);
        }
        table.Add(Row.AtMost("9. Cluster: SIGKILL of the dispatcher's silo → next dispatch on a survivor (max)", kills.Max / 1000, 15, "s",
            $"{rounds} round(s), each a fresh 3-silo cluster; median {kills.Median / 1000:0.0} s; every bead closed {Row.F(recoveries.Max())} s after the kill at most; seen on a survivor's /api/events"));
    }

    private static async Task<(double Rate, TimeSpan Elapsed)> ThroughputAsync(int silos, int count)
    {
        await using var stack = await RedisClusterStack.StartAsync(silos, poolSize: 30);
        // Warm the silos and the mock members with a small first wave, unmeasured.
        await stack.ReleaseBeadsAsync(Lines(0, 100, 0));
        await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() == 100), "the warm-up wave closed", TimeSpan.FromSeconds(120));
        var started = Stopwatch.StartNew();
        await stack.ReleaseBeadsAsync(Lines(0, 100 + count, 0, closedBelow: 100));
        await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() == 100 + count), $"{count} beads closed on {silos} silo(s)", TimeSpan.FromSeconds(300));
        started.Stop();
        return (count / started.Elapsed.TotalSeconds, started.Elapsed);
    }

    /// <summary>16 closed-loop clients on the gateway's <c>/api/pools</c> during a wave on three silos, beside the same on a silo.</summary>
    private static async Task GatewayLoadAsync(int count, ResultTable table)
    {
        await using var stack = await RedisClusterStack.StartAsync(3, poolSize: 30);
        var gateway = await stack.StartGatewayAsync();
        await stack.ReleaseBeadsAsync(Lines(0, 100, 0));
        await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() == 100), "the warm-up wave closed", TimeSpan.FromSeconds(120));

        var results = new List<(string Where, Samples Samples)>();
        foreach (var (where, port, offset) in new[] { ("gateway", gateway.HttpPort, 100), ("silo", stack.Silos[0].HttpPort, 100 + count) })
        {
            using var load = new CancellationTokenSource();
            var api = PoolsApiLoad.RunAsync(new Uri($"http://127.0.0.1:{port}/"), Timeout.InfiniteTimeSpan, clients: 16, load.Token);
            await stack.ReleaseBeadsAsync(Lines(0, offset + count, 5, closedBelow: offset));
            await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() == offset + count), $"{count} beads closed under load on the {where}", TimeSpan.FromSeconds(300));
            await load.CancelAsync();
            results.Add((where, await api));
        }
        var (_, viaGateway) = results[0];
        var (_, viaSilo) = results[1];
        table.Add(Row.AtMost("9. GET /api/pools p99 through the gateway (16 clients, during a 3-silo wave)", viaGateway.P(99), 20, "ms",
            $"{viaGateway.Count:N0} requests, p50 {Row.F(viaGateway.P(50))} ms; the same load on a silo's own API: p50 {Row.F(viaSilo.P(50))} / p99 {Row.F(viaSilo.P(99))} ms; {count:N0} beads of 5 ms each, 30 members"));
    }

    private static async Task<(TimeSpan ToDispatch, TimeSpan ToDrain)> KillRoundAsync(int count)
    {
        await using var stack = await RedisClusterStack.StartAsync(3, poolSize: 12);
        var victimPort = await stack.SettledDispatcherSiloPortAsync(Scope);
        var victim = stack.Silos.Single(s => s.SiloPort == victimPort);
        var survivor = stack.Silos.First(s => s != victim);
        using var watch = await DispatchWatch.ConnectAsync(survivor.HttpPort);
        await stack.ReleaseBeadsAsync(Lines(0, count, 5));
        await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() >= count * 3 / 10), "30% of the beads closed before the kill", TimeSpan.FromSeconds(300));

        var next = watch.NextDispatch();
        var killed = Stopwatch.GetTimestamp();
        victim.Kill();
        var arrived = await next.WaitAsync(TimeSpan.FromSeconds(120));
        var toDispatch = Stopwatch.GetElapsedTime(killed, arrived);
        await RedisClusterStack.Until(() => Task.FromResult(stack.ClosedCount() == count), "every bead closed after the kill", TimeSpan.FromSeconds(300));
        return (toDispatch, Stopwatch.GetElapsedTime(killed));
    }

    /// <summary>Beads <c>cb-from</c>..<c>cb-(to-1)</c>; the first <paramref name="closedBelow"/> already closed (the warm-up wave kept as it ended).</summary>
    private static IEnumerable<string> Lines(int from, int to, int durationMs, int closedBelow = 0) =>
        Enumerable.Range(from, to - from).Select(i =>
        {
            var line = BeadLines.Work($"cb-{i}", "engineer", i, null, durationMs);
            return i < closedBelow ? line.Replace("\"status\":\"open\"", "\"status\":\"closed\"", StringComparison.Ordinal) : line;
        });
}
