using static Gemba.Functional.Tests.Waits;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary><c>gemba demo</c> — the README's first command — end to end, as a newcomer runs it.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_serves_both_pools_and_dispatches_every_bead_once_with_warm_reuse()
    {
        using var dir = new TempDir();
        var port = GembaProcess.FreePort();
        await using var gemba = GembaProcess.Start(dir.Path, null, "demo", "--port", port.ToString(), "--dir", Path.Combine(dir.Path, "demo"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var pools = default(JsonElement);
        await Eventually(TimeSpan.FromSeconds(60), async () =>
        {
            pools = await http.GetFromJsonAsync<JsonElement>("api/pools");
            return pools.GetProperty("pools").GetArrayLength() == 2;
        }, gemba);
        var rows = pools.GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("persona").GetString()!);
        Assert.Equal(3, rows["engineer"].GetProperty("size_target_declared").GetInt32());
        Assert.Equal(3, rows["engineer"].GetProperty("size_target_effective").GetInt32());
        Assert.Equal(1, rows["documentarian"].GetProperty("size_target_effective").GetInt32());
        Assert.Equal(JsonValueKind.Array, rows["documentarian"].GetProperty("members").ValueKind);

        // Every runnable demo bead ends closed without a human; the epic stays open (wrappers are not dispatched).
        var beads = Path.Combine(dir.Path, "demo", ".beads", "issues.jsonl");
        await Eventually(TimeSpan.FromSeconds(150),
            () => Task.FromResult(ReadBeads(beads).All(b => b.Kind == "epic" || b.Status == "closed")), gemba);
        Assert.True(ReadBeads(beads).Count(b => b.Kind != "epic") >= 20);

        var decisions = (await http.GetFromJsonAsync<JsonElement>("api/dispatch/decisions?limit=1000")).GetProperty("decisions").EnumerateArray().ToList();
        var dispatched = decisions.Where(d => d.GetProperty("outcome").GetString() == "dispatched").Select(d => d.GetProperty("bead_id").GetString()!).ToList();
        // Each bead dispatched once, except the one whose template fails its first attempt and is retried.
        Assert.All(dispatched.GroupBy(b => b), g => Assert.True(g.Count() == 1 || g.Key == "demo-e1", $"{g.Key} dispatched {g.Count()} times"));
        Assert.Contains(decisions, d => d.GetProperty("reason").GetString()!.StartsWith("warm member", StringComparison.Ordinal));

        var after = await http.GetFromJsonAsync<JsonElement>("api/pools");
        var engineers = after.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("persona").GetString() == "engineer");
        Assert.Contains(engineers.GetProperty("members").EnumerateArray(), m => m.GetProperty("beads_done_this_member").GetInt32() > 1);
    }

    private sealed record BeadLine(string Id, string Status, string Kind);

    private static List<BeadLine> ReadBeads(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => new BeadLine(
                e.GetProperty("id").GetString()!,
                e.TryGetProperty("status", out var s) ? s.GetString()! : "open",
                e.TryGetProperty("issue_type", out var t) ? t.GetString()! : "task"))
            .ToList();
}
