using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary><c>deploy/cluster.sh</c> as the README runs it: start a Redis cluster in a beads project, dispatch, stop.</summary>
public sealed class DeployScriptTests
{
    private static string Script => Path.Combine(GembaProcess.RepositoryRoot, "deploy", "cluster.sh");

    [Fact]
    public async Task Cluster_script_starts_redis_three_silos_and_a_gateway_dispatches_beads_and_stops_everything()
    {
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beadsFile = dir.File(".beads/issues.jsonl", ClusterKillTests.Beads(1, 3, durationMs: 5));
        var http = GembaProcess.FreePort();
        var gateway = GembaProcess.FreePort();
        var env = new Dictionary<string, string>
        {
            ["GEMBA_CLUSTER_STATE"] = Path.Combine(dir.Path, "state"),
            ["GEMBA_REDIS_PORT"] = GembaProcess.FreePort().ToString(),
            // Three consecutive ports each; a taken one fails the start with the silo's own message.
            ["GEMBA_HTTP_PORT"] = http.ToString(),
            ["GEMBA_SILO_PORT"] = GembaProcess.FreePort().ToString(),
            ["GEMBA_GATEWAY_PORT"] = GembaProcess.FreePort().ToString(),
            ["GEMBA_GATEWAY_HTTP"] = gateway.ToString(),
        };
        var stateDir = env["GEMBA_CLUSTER_STATE"];

        try
        {
            var (code, stdout, stderr) = await Run(dir.Path, env, TimeSpan.FromSeconds(400), "start", "--", "--orchestration", "mock", "--work-plane", "jsonl", "--tick", "1");
            Assert.True(code == 0, $"cluster.sh start exited {code}\n{stdout}\n{stderr}\n{Logs(stateDir)}");
            Assert.Contains($"▶ web UI: http://127.0.0.1:{gateway}/", stdout);
            foreach (var name in new[] { "redis", "silo-1", "silo-2", "silo-3", "gateway" })
                Assert.True(File.Exists(Path.Combine(stateDir, name + ".pid")), $"no {name}.pid in the state dir\n{stdout}");

            // The banner names the cluster each silo joined.
            var banner = await File.ReadAllTextAsync(Path.Combine(stateDir, "silo-1.log"));
            Assert.Contains("cluster=redis", banner);
            Assert.Contains("cluster_id=gemba service_id=gemba", banner);

            await PollUntil(() => ClusterKillTests.ClosedCount(beadsFile) == 3, "the three beads closed by the cluster", stateDir);
            // Every silo and the gateway serve the one cluster's pools.
            using var client = new HttpClient();
            foreach (var port in new[] { http, http + 1, http + 2, gateway })
            {
                var pools = await client.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/api/pools");
                Assert.Equal("local", pools.GetProperty("pools")[0].GetProperty("scope").GetString());
            }
            Assert.Contains("▶ gateway: an Orleans client of cluster_id=gemba", await File.ReadAllTextAsync(Path.Combine(stateDir, "gateway.log")));
            var pids = new[] { "redis", "silo-1", "silo-2", "silo-3", "gateway" }.Select(n => int.Parse(File.ReadAllText(Path.Combine(stateDir, n + ".pid")).Trim())).ToList();

            var (stopCode, stopOut, stopErr) = await Run(dir.Path, env, TimeSpan.FromSeconds(120), "stop");
            Assert.True(stopCode == 0, $"cluster.sh stop exited {stopCode}\n{stopOut}\n{stopErr}");
            foreach (var pid in pids) Assert.False(IsRunning(pid), $"pid {pid} still runs after stop\n{stopOut}");
            Assert.Empty(Directory.GetFiles(stateDir, "*.pid"));
        }
        finally
        {
            // A failed assertion must not leave a cluster running on the machine.
            if (Directory.Exists(stateDir) && Directory.GetFiles(stateDir, "*.pid").Length > 0)
                await Run(dir.Path, env, TimeSpan.FromSeconds(120), "stop");
        }
    }

    private static bool IsRunning(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static string Logs(string stateDir) => Directory.Exists(stateDir)
        ? string.Join("\n", Directory.GetFiles(stateDir, "*.log").Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))
        : "";

    private static async Task PollUntil(Func<bool> condition, string what, string stateDir)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 90 s: {what}\n{Logs(stateDir)}");
            await Task.Delay(200);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Run(string cwd, Dictionary<string, string> env, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(Script) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cluster.sh {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
