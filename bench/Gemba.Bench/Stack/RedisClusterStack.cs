using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gemba.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Gemba.Bench.Stack;

/// <summary>
/// A real cluster as <c>deploy/cluster.sh</c> runs one: a throwaway redis-server and N
/// <c>./gemba serve --cluster redis</c> processes (mock agents, JSONL beads) in a temporary workspace.
/// </summary>
internal sealed class RedisClusterStack : IAsyncDisposable
{
    private readonly Process _redis;
    private readonly string _root;
    private readonly List<SiloProcess> _silos = [];
    private readonly List<SiloProcess> _others = [];
    private IHost? _client;

    private RedisClusterStack(Process redis, int redisPort, string workspace, string root)
    {
        _redis = redis;
        RedisPort = redisPort;
        Workspace = workspace;
        _root = root;
    }

    public int RedisPort { get; }
    public string Workspace { get; }
    public string BeadsFile => Path.Combine(Workspace, ".beads", "issues.jsonl");
    public IReadOnlyList<SiloProcess> Silos => [.. _silos.Where(s => !s.Process.HasExited)];

    public static async Task<RedisClusterStack> StartAsync(int silos, int poolSize)
    {
        var root = RepositoryRoot();
        var workspace = Directory.CreateTempSubdirectory("gemba-bench-cluster-").FullName;
        Directory.CreateDirectory(Path.Combine(workspace, ".beads"));
        Directory.CreateDirectory(Path.Combine(workspace, ".gemba", "personas"));
        await File.WriteAllTextAsync(Path.Combine(workspace, ".gemba", "pool.toml"),
            $"[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = {poolSize}\nfloor = 0.0\n");
        await File.WriteAllTextAsync(Path.Combine(workspace, ".gemba", "personas", "engineer.toml"), "name = \"Engineer\"\n");
        await File.WriteAllTextAsync(Path.Combine(workspace, ".beads", "issues.jsonl"), "");

        var redisPort = FreePort();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) info.ArgumentList.Add(a);
        Process redis;
        try { redis = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException("the cluster rows need redis-server (apt-get install redis-server)", ex); }
        redis.OutputDataReceived += (_, _) => { };
        redis.BeginOutputReadLine();
        var stack = new RedisClusterStack(redis, redisPort, workspace, root);
        await Until(() => Task.FromResult(CanConnect(redisPort)), "redis-server accepts connections", TimeSpan.FromSeconds(20));
        for (var i = 0; i < silos; i++) stack.StartSilo();
        await stack.UntilHealthyAsync();
        return stack;
    }

    public SiloProcess StartSilo()
    {
        var (http, silo, gateway) = (FreePort(), FreePort(), FreePort());
        return Start(http, silo, ["serve", "--cluster", "redis", "--redis", $"127.0.0.1:{RedisPort}", "--orchestration", "mock", "--work-plane", "jsonl",
            "--port", http.ToString(), "--silo-port", silo.ToString(), "--gateway-port", gateway.ToString(), "--quiet"]);
    }

    /// <summary><c>gemba gateway</c> in front of the silos (not counted in <see cref="Silos"/>: it hosts no grain).</summary>
    public async Task<SiloProcess> StartGatewayAsync()
    {
        var http = FreePort();
        var gateway = Start(http, 0, ["gateway", "--redis", $"127.0.0.1:{RedisPort}", "--orchestration", "mock", "--work-plane", "jsonl",
            "--port", http.ToString(), "--quiet"], tracked: false);
        _others.Add(gateway);
        await Until(gateway.HealthyAsync, "the gateway serves /healthz", TimeSpan.FromSeconds(120));
        return gateway;
    }

    private SiloProcess Start(int http, int silo, string[] args, bool tracked = true)
    {
        var info = new ProcessStartInfo(Path.Combine(_root, "gemba")) { WorkingDirectory = Workspace, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var key in new[] { "GEMBA_URL", "GEMBA_SESSION_ID", "GEMBA_TOKEN" }) info.Environment.Remove(key);
        var process = Process.Start(info)!;
        var started = new SiloProcess(process, http, silo);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) started.Errors.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (tracked) _silos.Add(started);
        return started;
    }

    public Task UntilHealthyAsync() => Until(async () =>
    {
        foreach (var silo in Silos)
            if (!await silo.HealthyAsync()) return false;
        return true;
    }, "every silo serves /healthz", TimeSpan.FromSeconds(240));

    /// <summary>Replaces the beads file at once, as an outside writer saving it would.</summary>
    public async Task ReleaseBeadsAsync(IEnumerable<string> lines)
    {
        var staged = BeadsFile + ".staged";
        await File.WriteAllLinesAsync(staged, lines);
        File.Move(staged, BeadsFile, overwrite: true);
    }

    public int ClosedCount()
    {
        try { return File.ReadLines(BeadsFile).Count(l => l.Contains("\"status\":\"closed\"", StringComparison.Ordinal)); }
        catch (IOException) { return -1; }
    }

    /// <summary>The silo-to-silo port of the silo hosting the scope's dispatcher, asked through an Orleans client.</summary>
    public async Task<int> DispatcherSiloPortAsync(string scope)
    {
        if (_client is null)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(c =>
            {
                c.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{RedisPort}"));
                c.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = ("gemba", "gemba"));
            });
            _client = builder.Build();
            await _client.StartAsync();
        }
        var client = _client.Services.GetRequiredService<IClusterClient>();
        var dispatcher = client.GetGrain<IDispatcherGrain>(scope);
        await dispatcher.GetDecisions(1);
        var silo = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(dispatcher)
            ?? throw new InvalidOperationException($"the cluster does not know where the dispatcher of {scope} runs");
        return silo.Endpoint.Port;
    }

    /// <summary>
    /// The dispatcher's silo once it sits where placement by scope puts it: right after the silos start
    /// together it may still be on its way there (a kill of the silo it is leaving would measure a different thing).
    /// </summary>
    public async Task<int> SettledDispatcherSiloPortAsync(string scope)
    {
        var port = 0;
        await Until(async () =>
        {
            port = await DispatcherSiloPortAsync(scope);
            var hosts = await _client!.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            var home = Gemba.Grains.Dispatch.Placement.ScopeSpread.Choose(scope, hosts.Keys.Select(h => h.ToParsableString()));
            return hosts.Count == _silos.Count && hosts.Keys.Single(h => h.ToParsableString() == home).Endpoint.Port == port;
        }, $"the dispatcher of {scope} settles on its silo", TimeSpan.FromSeconds(60));
        return port;
    }

    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try { if (await condition()) return; }
            catch (HttpRequestException) { }
            if (deadline.Elapsed > timeout) throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try { await _client.StopAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
            _client.Dispose();
        }
        foreach (var process in _others.Concat(_silos)) process.Dispose();
        try { _redis.Kill(); } catch (InvalidOperationException) { }
        await _redis.WaitForExitAsync();
        _redis.Dispose();
        try { Directory.Delete(Workspace, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "gemba")) && File.Exists(Path.Combine(dir.FullName, "Gemba.sln"))) return dir.FullName;
        throw new InvalidOperationException("the cluster rows must run from a checkout (they start ./gemba)");
    }
}

internal sealed class SiloProcess(Process process, int httpPort, int siloPort) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(5) };

    public Process Process { get; } = process;
    public int HttpPort { get; } = httpPort;
    public int SiloPort { get; } = siloPort;
    public System.Collections.Concurrent.ConcurrentQueue<string> Errors { get; } = new();

    public async Task<bool> HealthyAsync()
    {
        if (Process.HasExited) throw new InvalidOperationException($"silo :{HttpPort} exited {Process.ExitCode}: {string.Join("\n", Errors.TakeLast(20))}");
        try { return (await _http.GetAsync("healthz")).IsSuccessStatusCode; }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { return false; }
    }

    /// <summary>SIGKILL: the launcher execs the server, so this pid is the server's.</summary>
    public void Kill()
    {
        using var kill = Process.Start("kill", ["-KILL", Process.Id.ToString()])!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        _http.Dispose();
        try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        Process.WaitForExit(10_000);
        Process.Dispose();
    }
}
