using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>Up to a few <c>gemba serve --cluster redis</c> processes on one Redis and one workspace.</summary>
internal sealed class SiloSet(TempDir dir, int redisPort, params string[] extra) : IAsyncDisposable
{
    private readonly List<Silo> _all = [];

    public IReadOnlyList<Silo> Running => [.. _all.Where(s => !s.Process.HasExited && !s.Killed)];

    /// <summary>A beads project for a cluster test: pool local/engineer of <paramref name="poolSize"/> at floor 0, a persona, and an empty beads file (returned).</summary>
    public static string EngineerWorkspace(TempDir dir, int poolSize)
    {
        dir.File(".gemba/pool.toml", $"[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = {poolSize}\nfloor = 0.0\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        return dir.File(".beads/issues.jsonl", "");
    }

    /// <summary>Starts <paramref name="count"/> silos and waits until every running one serves /healthz.</summary>
    public async Task StartAllAsync(int count)
    {
        for (var i = 0; i < count; i++) _all.Add(Silo.Start(dir, redisPort, extra));
        // The first start after a source change builds through the launcher.
        await Until(async () =>
        {
            foreach (var silo in Running)
                if (!await silo.Healthy()) return false;
            return true;
        }, "every silo serves /healthz", TimeSpan.FromSeconds(240));
    }

    /// <summary>Starts <c>gemba gateway</c> in front of this cluster and waits until it answers; the caller disposes it.</summary>
    public async Task<(GembaProcess Process, int Port)> StartGatewayAsync()
    {
        var port = GembaProcess.FreePort();
        var gateway = GembaProcess.Start(dir.Path, null,
            "gateway", "--redis", $"127.0.0.1:{redisPort}", "--orchestration", "mock", "--work-plane", "jsonl", "--port", port.ToString(), "--quiet");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            await Waits.Eventually(TimeSpan.FromSeconds(120), async () => (await http.GetAsync("healthz")).IsSuccessStatusCode, gateway, () => "the gateway to answer /healthz");
            return (gateway, port);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public Silo BySiloPort(int port) => _all.Single(s => s.SiloPort == port && !s.Killed);

    public async Task<JsonElement> Get(Silo silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} on :{silo.HttpPort}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task Until(Func<bool> condition, string what, TimeSpan? timeout = null) => Until(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Polls under a deadline; a silo that exits unexpectedly fails at once, with its output.</summary>
    public async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            foreach (var silo in _all.Where(s => !s.Killed && !s.Stopped && s.Process.HasExited))
                Assert.Fail($"silo :{silo.HttpPort} exited before {what}.\n{silo.Process.Stdout}\n{silo.Process.Stderr}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not within {(timeout ?? TimeSpan.FromSeconds(90)).TotalSeconds:0} s: {what}.\n" +
                    string.Join("\n---\n", _all.Select(s => $":{s.HttpPort}\n{Tail(s.Process.Stdout)}{Tail(s.Process.Stderr)}")));
            await Task.Delay(200);
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    public async Task StopAll()
    {
        foreach (var silo in Running) silo.Terminate();
        foreach (var silo in _all.Where(s => !s.Killed)) await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        foreach (var silo in _all) await silo.DisposeAsync();
        _all.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _all) await silo.DisposeAsync();
    }
}

internal sealed class Silo : IAsyncDisposable
{
    private Silo(GembaProcess process, int httpPort, int siloPort)
    {
        Process = process;
        HttpPort = httpPort;
        SiloPort = siloPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
    }

    public GembaProcess Process { get; }
    public int HttpPort { get; }
    public int SiloPort { get; }
    public HttpClient Http { get; }
    public bool Killed { get; private set; }
    public bool Stopped { get; private set; }

    public static Silo Start(TempDir dir, int redisPort, params string[] extra)
    {
        var (http, silo, gateway) = (GembaProcess.FreePort(), GembaProcess.FreePort(), GembaProcess.FreePort());
        var process = GembaProcess.Start(dir.Path, null, [
            "serve", "--cluster", "redis", "--redis", $"127.0.0.1:{redisPort}", "--orchestration", "mock", "--work-plane", "jsonl",
            "--port", http.ToString(), "--silo-port", silo.ToString(), "--gateway-port", gateway.ToString(), "--quiet", "--tick", "1", .. extra]);
        return new Silo(process, http, silo);
    }

    public async Task<bool> Healthy()
    {
        try { return (await Http.GetAsync("healthz")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
    }

    /// <summary>SIGKILL of the server process itself (the launcher execs it, so its pid is the server's).</summary>
    public void Kill()
    {
        Killed = true;
        Signal("-KILL");
    }

    public void Terminate()
    {
        Stopped = true;
        Signal("-TERM");
    }

    private void Signal(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [signal, Process.Pid.ToString()])!;
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
    }
}
