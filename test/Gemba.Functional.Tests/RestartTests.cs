using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>Embedded state (SQLite under --state-dir) outlives the process.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Sessions_and_their_history_survive_a_restart_of_the_process()
    {
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beads = string.Concat(Enumerable.Range(1, 6).Select(i =>
            $$"""{"id":"rs-{{i}}","title":"Restart bead {{i}}","description":"---\ntemplate: noop\n---\n","status":"open","priority":2,"issue_type":"task","labels":["restart"]}""" + "\n"));
        dir.File(".beads/issues.jsonl", beads);

        Dictionary<string, int> before;
        var port = GembaProcess.FreePort();
        await using (var first = Serve(dir, port))
        {
            before = await Eventually(first, port, sessions =>
            {
                var done = sessions.ToDictionary(s => s.GetProperty("session_id").GetString()!, s => s.GetProperty("beads_done").GetInt32());
                return done.Values.Sum() == 6 ? done : null;
            });
        }

        var port2 = GembaProcess.FreePort();
        await using var second = Serve(dir, port2);
        var after = await Eventually(second, port2, sessions =>
        {
            var known = sessions.ToDictionary(s => s.GetProperty("session_id").GetString()!, s => s.GetProperty("beads_done").GetInt32());
            return before.Keys.All(known.ContainsKey) ? known : null;
        });
        foreach (var (id, done) in before) Assert.Equal(done, after[id]);
        Assert.DoesNotContain("\"status\":\"open\"", await File.ReadAllTextAsync(Path.Combine(dir.Path, ".beads", "issues.jsonl")));
    }

    private static GembaProcess Serve(TempDir dir, int port) => GembaProcess.Start(dir.Path, null,
        "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet", "--tick", "1");

    private static async Task<Dictionary<string, int>> Eventually(GembaProcess gemba, int port, Func<List<JsonElement>, Dictionary<string, int>?> probe)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (gemba.HasExited) Assert.Fail($"gemba exited.\n{gemba.Stdout}\n{gemba.Stderr}");
            try
            {
                var doc = await http.GetFromJsonAsync<JsonElement>("api/sessions?includeEnded=true");
                if (probe(doc.GetProperty("sessions").EnumerateArray().ToList()) is { } result) return result;
            }
            catch (HttpRequestException)
            {
                // not up yet
            }
            await Task.Delay(200);
        }
        Assert.Fail($"condition not met.\n{gemba.Stdout}\n{gemba.Stderr}");
        return null!;
    }
}
