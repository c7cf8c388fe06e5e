using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Gemba.Dispatch;

namespace Gemba.Functional.Tests;

/// <summary>
/// Three real <c>gemba serve --cluster redis</c> processes on one real redis-server and one JSONL
/// workspace: the silo that hosts the scope's dispatcher is SIGKILLed in the middle of a few
/// thousand mock beads, then the whole cluster is restarted on the same Redis.
/// </summary>
public sealed class ClusterKillTests
{
    private const int BeadCount = 2000;
    private const int PoolSize = 12;

    [Fact]
    public async Task A_silo_killed_mid_run_loses_and_doubles_no_bead_and_a_full_restart_keeps_the_cluster_state()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        var beadsFile = SiloSet.EngineerWorkspace(dir, PoolSize);

        var cluster = new SiloSet(dir, redis.Port);
        await using var _ = cluster;
        await cluster.StartAllAsync(3);

        // The victim is the silo that hosts the scope's dispatcher, so the kill really moves it.
        await using var orleans = await ClusterClient.ConnectAsync(redis.Port);
        var victim = cluster.BySiloPort(await orleans.SettledDispatcherSiloPort("local", 3));
        var survivors = cluster.Running.Where(s => s != victim).ToList();
        using var watchA = await EventWatch.ConnectAsync(survivors[0].HttpPort);
        using var watchB = await EventWatch.ConnectAsync(survivors[1].HttpPort);

        // All beads at once, atomically, as an outside writer would replace the file.
        var staged = beadsFile + ".staged";
        await File.WriteAllTextAsync(staged, Beads(1, BeadCount, durationMs: 3));
        File.Move(staged, beadsFile, overwrite: true);

        await cluster.Until(() => ClosedCount(beadsFile) >= BeadCount * 2 / 5, $"{BeadCount * 2 / 5} beads closed before the kill");
        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        await cluster.Until(() => ClosedCount(beadsFile) == BeadCount, $"all {BeadCount} beads closed after the kill", TimeSpan.FromSeconds(120));

        // The scope's dispatcher lives on a survivor now, and it dispatched after the kill.
        var dispatcherNow = await orleans.DispatcherSiloPort("local");
        Assert.Contains(dispatcherNow, survivors.Select(s => s.SiloPort));
        var dispatches = watchA.Dispatches();
        var firstAfterKill = dispatches.SelectMany(d => d.Value).Where(d => d.At > killedAt).Select(d => d.At).DefaultIfEmpty().Min();
        Assert.True(firstAfterKill > killedAt, "no dispatch after the kill was seen");
        Console.WriteLine($"cluster kill: next dispatch {(firstAfterKill - killedAt).TotalSeconds:0.0} s after SIGKILL");

        // Until the kill every dispatch happened on the victim: a survivor's stream saw them through Redis only.
        Assert.True(dispatches.Values.SelectMany(d => d).Count(d => d.At < killedAt) >= BeadCount / 4,
            $"survivor {survivors[0].HttpPort} saw only {dispatches.Values.SelectMany(d => d).Count(d => d.At < killedAt)} dispatches made on the victim before the kill");
        // After the kill the dispatcher runs on one survivor; the other one sees its dispatches through Redis.
        var other = survivors[0].SiloPort == dispatcherNow ? watchB : watchA;
        Assert.Contains(other.Dispatches().Values.SelectMany(d => d), d => d.At > killedAt);

        AssertEachBeadOnce(beadsFile, dispatches, watchA.BeadDone(), killedAt);

        // Work in hand when the cluster stops: three beads of 15 s held by members (claims in the
        // ledger); a graceful stop takes a few seconds, so they are still held when the processes end.
        await File.AppendAllTextAsync(beadsFile, HeldBeads);
        Dictionary<string, string> holders = [];
        await cluster.Until(() =>
        {
            holders = Assignees(beadsFile, "in_progress");
            return holders.Count == 3;
        }, "the three long beads claimed before the restart");

        // A full restart on the same Redis keeps pools, members' histories, claims and the closed work.
        var poolsBefore = await cluster.Get(survivors[0], "api/pools");
        var sessionsBefore = BeadsDone(await cluster.Get(survivors[0], "api/sessions?includeEnded=true"));
        watchA.Dispose();
        watchB.Dispose();
        await cluster.StopAll();
        await cluster.StartAllAsync(3);
        var first = cluster.Running[0];
        using var watchAfter = await EventWatch.ConnectAsync(first.HttpPort);
        Dictionary<string, int> sessionsAfter = [];
        await cluster.Until(async () =>
        {
            sessionsAfter = BeadsDone(await cluster.Get(first, "api/sessions?includeEnded=true"));
            return sessionsBefore.Keys.All(sessionsAfter.ContainsKey);
        }, "every session known before the restart is known after it");
        foreach (var (id, done) in sessionsBefore) Assert.Equal(done, sessionsAfter[id]);
        Assert.True(sessionsAfter.Values.Sum() >= BeadCount, $"the sessions' beads_done add up to {sessionsAfter.Values.Sum()}, fewer than the {BeadCount} closed");
        var poolsAfter = await cluster.Get(first, "api/pools");
        Assert.Equal(PoolKeys(poolsBefore), PoolKeys(poolsAfter));
        // Members survive as sessions (their mock agents died with the processes, so the pool may end
        // and replace them): every member from before is still a member or a known, ended session.
        foreach (var member in Members(poolsBefore)) Assert.True(sessionsAfter.ContainsKey(member), $"member {member} lost by the restart");
        // The claims outlived the restart: the held beads, whose mock agents died with the processes,
        // are reconciled from the ledger and finished by new members; nothing already closed runs again.
        await cluster.Until(() => ClosedCount(beadsFile) == BeadCount + 3, "the beads held at the restart closed after it", TimeSpan.FromSeconds(120));
        var closers = Assignees(beadsFile, "closed");
        foreach (var (bead, holder) in holders) Assert.NotEqual(holder, closers[bead]);
        Assert.All(watchAfter.Dispatches().Keys, bead => Assert.StartsWith("ck-held-", bead));
    }

    private const string HeldBeads = """
        {"id":"ck-held-1","title":"Held bead 1","description":"---\ntemplate: noop\nduration_ms: 15000\n---\n","status":"open","priority":1,"issue_type":"task"}
        {"id":"ck-held-2","title":"Held bead 2","description":"---\ntemplate: noop\nduration_ms: 15000\n---\n","status":"open","priority":1,"issue_type":"task"}
        {"id":"ck-held-3","title":"Held bead 3","description":"---\ntemplate: noop\nduration_ms: 15000\n---\n","status":"open","priority":1,"issue_type":"task"}

        """;

    /// <summary>Bead id → assignee of the held beads in the given status.</summary>
    private static Dictionary<string, string> Assignees(string beadsFile, string status)
    {
        try
        {
            return File.ReadAllLines(beadsFile).Where(l => l.Contains("ck-held-", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(b => b.GetProperty("status").GetString() == status && b.TryGetProperty("assignee", out _))
                .ToDictionary(b => b.GetProperty("id").GetString()!, b => b.GetProperty("assignee").GetString()!);
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// Every bead closed once and dispatched once, except beads that were in flight on the killed
    /// silo: those were dispatched again after the kill, and their first session never finished them.
    /// </summary>
    private static void AssertEachBeadOnce(string beadsFile, Dictionary<string, List<Seen>> dispatches, Dictionary<string, List<Seen>> done, DateTimeOffset killedAt)
    {
        var lines = File.ReadAllLines(beadsFile).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(BeadCount, lines.Count);
        Assert.Equal(BeadCount, lines.Select(l => l.GetProperty("id").GetString()).Distinct().Count());
        Assert.All(lines, l => Assert.Equal("closed", l.GetProperty("status").GetString()));

        var problems = new List<string>();
        var redone = 0;
        foreach (var (bead, seen) in dispatches)
        {
            if (done.TryGetValue(bead, out var finished) && finished.Count > 1)
                problems.Add($"{bead} closed {finished.Count} times by {string.Join(", ", finished.Select(f => f.SessionId))}");
            if (seen.Count == 1) continue;
            var earlier = seen.OrderBy(s => s.At).SkipLast(1).ToList();
            var lostWithTheSilo = seen.Count == 2 && earlier.All(e => e.At <= killedAt
                && !(finished ?? []).Any(f => f.SessionId == e.SessionId));
            if (lostWithTheSilo) redone++;
            else problems.Add($"{bead} dispatched {seen.Count} times: {string.Join(", ", seen.Select(s => $"{s.SessionId}@{s.At:HH:mm:ss.fff}"))}");
        }
        // At most what the pool had in flight can have been lost with one silo.
        if (redone > PoolSize) problems.Add($"{redone} beads dispatched again after the kill, more than the pool's {PoolSize} members could hold");
        var unseen = lines.Select(l => l.GetProperty("id").GetString()!).Count(id => !dispatches.ContainsKey(id));
        // Events are best effort: the last few the victim published may die with it; no more than that.
        if (unseen > PoolSize) problems.Add($"{unseen} beads closed without a dispatch event (more than a kill can swallow)");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
    }

    internal static string Beads(int from, int to, int durationMs) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i =>
        $$"""{"id":"ck-{{i}}","title":"Cluster bead {{i}}","description":"---\ntemplate: noop\nduration_ms: {{durationMs}}\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n"));

    internal static int ClosedCount(string beadsFile)
    {
        try
        {
            return File.ReadAllLines(beadsFile).Count(l => l.Contains("\"status\":\"closed\"", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static Dictionary<string, int> BeadsDone(JsonElement sessions) =>
        sessions.GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("session_id").GetString()!, s => s.GetProperty("beads_done").GetInt32());

    private static List<string> PoolKeys(JsonElement pools) =>
        [.. pools.GetProperty("pools").EnumerateArray().Select(p => $"{p.GetProperty("scope").GetString()}/{p.GetProperty("persona").GetString()}").Order()];

    private static List<string> Members(JsonElement pools) =>
        [.. pools.GetProperty("pools").EnumerateArray().SelectMany(p => p.GetProperty("members").EnumerateArray())
            .Select(m => m.GetProperty("session_id").GetString()!).Order()];
}

/// <summary>One event as an SSE client saw it.</summary>
internal sealed record Seen(string SessionId, DateTimeOffset At);

/// <summary>A server-sent-events client of one gemba process, keeping what it saw.</summary>
internal sealed class EventWatch : IDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Kind, JsonElement Data)> _events = [];
    private readonly Task _reading;

    private EventWatch(HttpClient http, Stream stream)
    {
        _http = http;
        _reading = Task.Run(() => Read(stream));
    }

    public static async Task<EventWatch> ConnectAsync(int port)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new EventWatch(http, await response.Content.ReadAsStreamAsync());
    }

    private async Task Read(Stream stream)
    {
        using var reader = new StreamReader(stream);
        string? kind = null;
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && kind is not null)
                    lock (_events) _events.Add((kind, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // stopped, or the process went away
        }
    }

    /// <summary>Per bead, the <c>dispatch.dispatched</c> events seen.</summary>
    public Dictionary<string, List<Seen>> Dispatches() => ByBead(e => e.Kind == "dispatch.dispatched");

    /// <summary>Per bead, the sessions that reported it done.</summary>
    public Dictionary<string, List<Seen>> BeadDone() =>
        ByBead(e => e.Kind == "session.changed" && e.Data.TryGetProperty("message", out var m) && m.GetString() == "bead-done");

    private Dictionary<string, List<Seen>> ByBead(Func<(string Kind, JsonElement Data), bool> which)
    {
        lock (_events)
        {
            return _events.Where(which).Where(e => e.Data.TryGetProperty("bead_id", out _))
                .GroupBy(e => e.Data.GetProperty("bead_id").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(e => new Seen(e.Data.GetProperty("session_id").GetString()!, e.Data.GetProperty("at").GetDateTimeOffset())).ToList());
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _http.Dispose();
        _reading.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
