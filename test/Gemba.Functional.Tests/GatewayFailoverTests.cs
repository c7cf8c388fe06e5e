using System.Diagnostics;

namespace Gemba.Functional.Tests;

/// <summary>
/// <c>gemba gateway</c> in front of three real redis silos while the silo hosting the dispatcher is
/// SIGKILLed: the gateway's requests fail over to the survivors, and once the membership has declared
/// the silo dead every request answers 200; its event stream carries work done on every silo.
/// </summary>
public sealed class GatewayFailoverTests
{
    private const int BeadCount = 600;

    private sealed record Answer(DateTimeOffset Started, int Status, string Path, string Body);

    [Fact]
    public async Task The_gateway_serves_through_a_silo_kill_with_no_error_after_the_membership_settles()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        var beadsFile = SiloSet.EngineerWorkspace(dir, 8);

        var cluster = new SiloSet(dir, redis.Port);
        await using var _ = cluster;
        await cluster.StartAllAsync(3);
        var started = await cluster.StartGatewayAsync();
        await using var gateway = started.Process;
        var port = started.Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

        await using var orleans = await ClusterClient.ConnectAsync(redis.Port);
        var victim = cluster.BySiloPort(await orleans.DispatcherSiloPort("local"));
        using var events = await EventWatch.ConnectAsync(port);

        // Readers through the gateway for the whole run, as a dashboard would poll.
        var answers = new List<Answer>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            var path = i == 0 ? "api/pools" : "api/sessions";
            while (!stop.IsCancellationRequested)
            {
                var started = DateTimeOffset.UtcNow;
                try
                {
                    using var response = await http.GetAsync(path, stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    lock (answers) answers.Add(new Answer(started, (int)response.StatusCode, path, body));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // refused, or no answer within the client's timeout
                    lock (answers) answers.Add(new Answer(started, 0, path, ex.Message));
                }
            }
        })).ToList();

        var staged = beadsFile + ".staged";
        await File.WriteAllTextAsync(staged, ClusterKillTests.Beads(1, BeadCount, durationMs: 5));
        File.Move(staged, beadsFile, overwrite: true);
        await cluster.Until(() => ClusterKillTests.ClosedCount(beadsFile) >= BeadCount / 3, $"{BeadCount / 3} beads closed before the kill");

        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        var settle = Stopwatch.StartNew();
        await cluster.Until(async () => await orleans.ActiveSiloCount() == 2, "the membership declares the killed silo dead", TimeSpan.FromSeconds(60));
        var settledAt = DateTimeOffset.UtcNow;
        Console.WriteLine($"gateway failover: membership settled {settle.Elapsed.TotalSeconds:0.0} s after SIGKILL");
        await cluster.Until(() => ClusterKillTests.ClosedCount(beadsFile) == BeadCount, $"all {BeadCount} beads closed after the kill", TimeSpan.FromSeconds(120));
        // Keep reading a little past the last bead: the readers must see the quiet cluster too.
        var readsAtEnd = Count(answers);
        await cluster.Until(() => Count(answers) >= readsAtEnd + 20, "twenty more reads through the gateway");
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        List<Answer> all;
        lock (answers) all = [.. answers];
        var after = all.Where(a => a.Started > settledAt).ToList();
        Assert.True(after.Count >= 20, $"only {after.Count} reads after the membership settled");
        var failed = after.Where(a => a.Status != 200).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {after.Count} reads after the membership settled failed, e.g. {failed.FirstOrDefault()}\n{gateway.Stderr}");
        var during = all.Where(a => a.Started >= killedAt && a.Started <= settledAt).ToList();
        Console.WriteLine($"gateway failover: {during.Count(a => a.Status != 200)} of {during.Count} reads failed between the kill and the settle, {all.Count} reads in all");
        // A failure during the failover is a clean error in the envelope, never a stack trace.
        Assert.All(during.Where(a => a.Status >= 500), a => Assert.DoesNotContain("   at ", a.Body));

        // The gateway hosts no grain, yet its stream carried the dispatches of the silos before and after the kill.
        var dispatches = events.Dispatches().Values.SelectMany(d => d).ToList();
        Assert.Contains(dispatches, d => d.At < killedAt);
        Assert.Contains(dispatches, d => d.At > killedAt);
        Assert.Equal(BeadCount, ClusterKillTests.ClosedCount(beadsFile));
        Assert.False(gateway.HasExited, $"the gateway exited\n{gateway.Stdout}\n{gateway.Stderr}");
    }

    private static int Count(List<Answer> answers)
    {
        lock (answers) return answers.Count;
    }
}
