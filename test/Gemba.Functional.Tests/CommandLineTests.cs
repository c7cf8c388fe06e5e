using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>Small command-line contracts: the agent-side signal, a missing gt, hot reload of pool.toml.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Gemba_state_outside_a_session_does_nothing_and_exits_zero()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = await GembaProcess.RunAsync(dir.Path, null, "state", "bead-done", "--bead", "x-1");
        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Gemba_state_names_the_server_it_cannot_reach()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string?> { ["GEMBA_URL"] = $"http://127.0.0.1:{GembaProcess.FreePort()}", ["GEMBA_SESSION_ID"] = "s-1" };
        var (code, _, stderr) = await GembaProcess.RunAsync(dir.Path, env, "state", "bead-done");
        Assert.Equal(1, code);
        Assert.Contains("cannot reach", stderr);
    }

    [Fact]
    public async Task Serve_on_gas_town_without_gt_says_so_and_exits()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin" }; // no gt anywhere
        var (code, _, stderr) = await GembaProcess.RunAsync(dir.Path, env,
            "serve", "--orchestration", "gastown", "--work-plane", "jsonl", "--port", GembaProcess.FreePort().ToString());
        Assert.Equal(1, code);
        Assert.Contains("gt not found", stderr);
    }

    [Fact]
    public async Task Editing_pool_toml_while_serving_applies_it_and_a_broken_edit_is_not_applied()
    {
        using var dir = new TempDir();
        var pool = dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var port = GembaProcess.FreePort();
        await using var gemba = GembaProcess.Start(dir.Path, null, "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        await Until(gemba, async () => await Size(http) == 2);
        await File.WriteAllTextAsync(pool, "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 4  # grown while serving\n");
        await Until(gemba, async () => await Size(http) == 4);

        await File.WriteAllTextAsync(pool, "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = \"lots\"\n");
        await Until(gemba, () => Task.FromResult(gemba.Stdout.Contains("not applied") || gemba.Stderr.Contains("not applied")));
        Assert.Equal(4, await Size(http));
    }

    [Fact]
    public async Task Editing_agents_toml_while_serving_applies_it_like_pool_toml()
    {
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 3\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var agents = dir.File(".gemba/agents.toml", "[[agent]]\nname = \"claude\"\nbinary = \"claude\"\nmax_parallel = 8\n");
        var port = GembaProcess.FreePort();
        await using var gemba = GembaProcess.Start(dir.Path, null, "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        await Until(gemba, async () => await Size(http) == 3);
        // max_parallel 3 with one slot reserved for manual work clamps the pool to 2, without a restart.
        await File.WriteAllTextAsync(agents, "[[agent]]\nname = \"claude\"\nbinary = \"claude\"\nmax_parallel = 3\n");
        await Until(gemba, async () => await Size(http) == 2);
    }

    private static async Task<int?> Size(HttpClient http)
    {
        try
        {
            var doc = await http.GetFromJsonAsync<JsonElement>("api/pools");
            return doc.GetProperty("pools").EnumerateArray().SingleOrDefault().GetProperty("size_target_effective").GetInt32();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task Until(GembaProcess gemba, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (gemba.HasExited) Assert.Fail($"gemba exited.\n{gemba.Stdout}\n{gemba.Stderr}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"condition not met within 60 s.\n{gemba.Stdout}\n{gemba.Stderr}");
            await Task.Delay(200);
        }
    }
}
