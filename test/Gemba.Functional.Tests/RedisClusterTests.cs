using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>Two gemba silos sharing Redis (membership, grain state, reminders) and one workspace.</summary>
public sealed class RedisClusterTests
{
    [Fact]
    public async Task Two_silos_on_redis_dispatch_every_bead_once_and_carry_on_when_one_leaves()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 3\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beadsFile = dir.File(".beads/issues.jsonl", Beads(1, 8));

        var (p1, p2) = (GembaProcess.FreePort(), GembaProcess.FreePort());
        await using var silo1 = Serve(dir, redis.Port, p1);
        await using var silo2 = Serve(dir, redis.Port, p2);
        using var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p1}/") };
        using var http2 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p2}/") };

        await Until(async () => await Healthy(http1) && await Healthy(http2), "both silos serve the API", silo1, silo2);
        await Until(() => AllClosed(beadsFile), "the first eight beads closed", silo1, silo2);
        var pools1 = await http1.GetFromJsonAsync<JsonElement>("api/pools");
        var pools2 = await http2.GetFromJsonAsync<JsonElement>("api/pools");
        Assert.Equal(Members(pools1), Members(pools2)); // both silos see the one cluster state

        // Silo 1 leaves gracefully; silo 2 carries on with new work.
        await Terminate(silo1);
        await File.AppendAllTextAsync(beadsFile, Beads(9, 12));
        using (var poke = new HttpRequestMessage(HttpMethod.Post, "api/dispatch/poke"))
        {
            poke.Headers.Add("X-GEMBA-Confirm", Guid.NewGuid().ToString());
            using var response = await http2.SendAsync(poke);
            Assert.True(response.IsSuccessStatusCode, $"poke after silo 1 left: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{silo2.Stderr}");
        }
        await Until(() => AllClosed(beadsFile), "the beads added after silo 1 left closed", silo2);

        var decisions = (await http2.GetFromJsonAsync<JsonElement>("api/dispatch/decisions?limit=1000")).GetProperty("decisions").EnumerateArray()
            .Where(d => d.GetProperty("outcome").GetString() == "dispatched").Select(d => d.GetProperty("bead_id").GetString()).ToList();
        Assert.Equal(decisions.Count, decisions.Distinct().Count());
    }

    [Theory]
    [InlineData("--cluster-id", "a/b")]
    [InlineData("--service-id", "has space")]
    [InlineData("--service-id", "")]
    public async Task A_cluster_or_service_id_that_cannot_name_redis_keys_is_refused_naming_the_option(string option, string value)
    {
        using var dir = new TempDir();
        var (code, _, stderr) = await GembaProcess.RunAsync(dir.Path, null,
            "serve", "--cluster", "redis", "--redis", "127.0.0.1:1", "--orchestration", "mock", option, value);
        Assert.Equal(2, code);
        Assert.Contains($"gemba: {option} '{value}' is not a valid name", stderr);
    }

    private static string Beads(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i =>
        $$"""{"id":"rc-{{i}}","title":"Cluster bead {{i}}","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task"}""" + "\n"));

    private static GembaProcess Serve(TempDir dir, int redisPort, int port) => GembaProcess.Start(dir.Path, null,
        "serve", "--cluster", "redis", "--redis", $"127.0.0.1:{redisPort}", "--orchestration", "mock", "--work-plane", "jsonl",
        "--port", port.ToString(), "--quiet", "--tick", "1");

    private static async Task<bool> Healthy(HttpClient http)
    {
        try { return (await http.GetAsync("healthz")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
    }

    private static Task<bool> AllClosed(string beadsFile)
    {
        try
        {
            var lines = File.ReadAllLines(beadsFile).Where(l => l.Length > 0).ToList();
            return Task.FromResult(lines.All(l => l.Contains("\"status\":\"closed\"")));
        }
        catch (IOException)
        {
            return Task.FromResult(false);
        }
    }

    private static List<string> Members(JsonElement pools) =>
        pools.GetProperty("pools").EnumerateArray().SelectMany(p => p.GetProperty("members").EnumerateArray())
            .Select(m => m.GetProperty("session_id").GetString()!).Order().ToList();

    private static async Task Terminate(GembaProcess gemba)
    {
        using var kill = Process.Start("kill", ["-TERM", gemba.Pid.ToString()])!;
        await kill.WaitForExitAsync();
        await gemba.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task Until(Func<Task<bool>> condition, string what, params GembaProcess[] silos)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            foreach (var silo in silos)
                if (silo.HasExited) Assert.Fail($"a silo exited before {what}.\n{silo.Stdout}\n{silo.Stderr}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within 90 s: {what}.\n" + string.Join("\n---\n", silos.Select(s => s.Stdout + s.Stderr)));
            await Task.Delay(250);
        }
    }
}
