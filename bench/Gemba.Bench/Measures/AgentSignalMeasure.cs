using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Gemba.Bench.Harness;
using Gemba.Bench.Stack;

namespace Gemba.Bench.Measures;

/// <summary>
/// What an agent pays to say it is done: the wall time of <c>gemba-state bead-done --bead ID</c>, the
/// script agents find on PATH, against a real <c>./gemba serve</c> started through the launcher (mock
/// agents that never finish on their own, so every sample closes a bead a session really holds).
/// </summary>
internal static class AgentSignalMeasure
{
    public static async Task RunAsync(bool quick, ResultTable table)
    {
        var root = RepositoryRoot();
        var samples = quick ? 15 : 60;
        var workspace = Directory.CreateTempSubdirectory("gemba-bench-signal-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(workspace, ".beads"));
            Directory.CreateDirectory(Path.Combine(workspace, ".gemba", "personas"));
            await File.WriteAllTextAsync(Path.Combine(workspace, ".gemba", "pool.toml"), "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 4\nagent_type = \"claude\"\n");
            await File.WriteAllTextAsync(Path.Combine(workspace, ".gemba", "agents.toml"), "[[agent]]\nname = \"claude\"\nbinary = \"claude\"\nmax_parallel = 8\n");
            await File.WriteAllTextAsync(Path.Combine(workspace, ".gemba", "personas", "engineer.toml"), "name = \"Engineer\"\n");
            await File.WriteAllLinesAsync(Path.Combine(workspace, ".beads", "issues.jsonl"),
                Enumerable.Range(0, samples + 8).Select(i => BeadLines.Work($"sig-{i}", "engineer", i, null, durationMs: 3_600_000)));

            var port = FreePort();
            using var server = Start(Path.Combine(root, "gemba"), workspace, null,
                "serve", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var timings = new Samples();
            var state = Path.Combine(root, "gemba-state");
            for (var i = 0; i < samples + 3; i++)
            {
                var (session, bead) = await WorkingSessionAsync(http, server);
                var env = new Dictionary<string, string> { ["GEMBA_URL"] = $"http://127.0.0.1:{port}", ["GEMBA_SESSION_ID"] = session };
                var started = Stopwatch.GetTimestamp();
                using var signal = Start(state, workspace, env, "bead-done", "--bead", bead);
                await signal.WaitForExitAsync();
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (signal.ExitCode != 0) throw new InvalidOperationException($"gemba-state bead-done exited {signal.ExitCode}: {await signal.StandardError.ReadToEndAsync()}");
                if (i >= 3) timings.Add(elapsed); // the first calls warm the disk cache and the server's routes
            }
            server.Kill(entireProcessTree: true);
            table.Add(Row.AtMost("7a. gemba-state bead-done wall time, p99", timings.P(99), 300, "ms",
                $"p50 {Row.F(timings.Median)} ms over {timings.Count} calls; the script agents find on PATH, a real server started by ./gemba, each call closing a held bead"));
        }
        finally
        {
            try { Directory.Delete(workspace, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(string Session, string Bead)> WorkingSessionAsync(HttpClient http, Process server)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (server.HasExited) throw new InvalidOperationException($"gemba serve exited: {await server.StandardError.ReadToEndAsync()}");
            try
            {
                var sessions = (await http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions");
                foreach (var s in sessions.EnumerateArray())
                    if (s.GetProperty("status").GetString() == "working" && s.TryGetProperty("bead_id", out var bead))
                        return (s.GetProperty("session_id").GetString()!, bead.GetString()!);
            }
            catch (HttpRequestException)
            {
                // not up yet
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("no working session within 120 s");
    }

    private static Process Start(string file, string directory, IDictionary<string, string>? env, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var key in new[] { "GEMBA_URL", "GEMBA_SESSION_ID", "GEMBA_TOKEN" }) info.Environment.Remove(key);
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "gemba-state")) && File.Exists(Path.Combine(dir.FullName, "Gemba.sln"))) return dir.FullName;
        throw new InvalidOperationException("the benchmark must run from a checkout (it starts ./gemba and gemba-state)");
    }
}
