using System.Collections.Concurrent;
using Gemba.Config;
using Gemba.Dispatch;
using Gemba.Events;
using Gemba.Grains;
using Gemba.Grains.Dispatch;
using Gemba.Orchestration;
using Gemba.Pools;
using Gemba.Sessions;
using Gemba.Silo.Events;
using Gemba.Silo.Storage;
using Gemba.Silo.WorkPlanes;
using Gemba.WorkPlanes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Gemba.Cluster.Tests.Harness;

/// <summary>Where a cluster keeps its state; share one between clusters to restart or race them.</summary>
internal sealed class ClusterSetup
{
    /// <summary>SQLite grain storage file; a fresh temp file when null.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>Beads directory (holding <c>issues.jsonl</c>); a fresh temp dir when null.</summary>
    public string? BeadsDir { get; init; }

    public FakeTimeProvider? Time { get; init; }

    public short Silos { get; init; } = 2;

    /// <summary>Dispatcher knobs; the backstop tick defaults to 10 s of fake time.</summary>
    public Action<DispatchOptions>? Dispatch { get; init; }
}

/// <summary>
/// One in-process Gemba cluster per test: two silos sharing a fake clock (grain timers only), real
/// SQLite grain storage on one file, the in-memory reminder service, one <see cref="EventHub"/>, one
/// real <see cref="JsonlWorkPlane"/> and one <see cref="ScriptedPlane"/>. Agents are the test itself,
/// calling <see cref="ISessionGrain.BeadDone"/> and <see cref="ISessionGrain.Fail"/> through the client.
/// </summary>
internal sealed class GembaTestCluster : IAsyncDisposable
{
    public const string Scope = PoolKey.LocalScope;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    public static readonly DateTimeOffset Epoch = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly List<string> _ownedPaths = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<GembaEvent> _events = new();
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _eventPump;
    private long _configVersion;

    private GembaTestCluster(string databasePath, string beadsDir, FakeTimeProvider time)
    {
        DatabasePath = databasePath;
        BeadsDir = beadsDir;
        Time = time;
        Beads = new BeadFile(beadsDir, time);
        WorkPlane = new JsonlWorkPlane(beadsDir, time, NullLogger.Instance);
        Plane.Changed += Pulse;
    }

    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;
    public FakeTimeProvider Time { get; }
    public ScriptedPlane Plane { get; } = new();
    public EventHub Events { get; } = new();
    public JsonlWorkPlane WorkPlane { get; }
    public BeadFile Beads { get; }
    public string DatabasePath { get; }
    public string BeadsDir { get; }

    public IReadOnlyList<GembaEvent> EventLog => [.. _events];

    public static async Task<GembaTestCluster> StartAsync(ClusterSetup? setup = null)
    {
        setup ??= new ClusterSetup();
        var owned = new List<string>();
        var dbPath = setup.DatabasePath ?? TempPath("gemba-db-", owned) + ".db";
        if (setup.DatabasePath is null) owned.Add(dbPath);
        var beadsDir = setup.BeadsDir ?? TempPath("gemba-beads-", owned);
        Directory.CreateDirectory(beadsDir);

        var harness = new GembaTestCluster(dbPath, beadsDir, setup.Time ?? new FakeTimeProvider(Epoch));
        harness._ownedPaths.AddRange(owned);
        harness.StartEventPump();

        var builder = new InProcessTestClusterBuilder(setup.Silos);
        builder.ConfigureHost(host =>
        {
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            host.Logging.AddFilter("Orleans", LogLevel.Error);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            var services = silo.Services;
            // Fake time for grains (timers and TimeProvider injection); every background area stays on real time.
            services.AddSingleton(harness.Time);
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(harness.Time));
            services.UseTimeProviderForBackgroundAreas(TimeProvider.System);

            services.AddSingleton<IWorkPlane>(harness.WorkPlane);
            services.AddSingleton<IOrchestrationPlane>(harness.Plane);
            services.AddSingleton<IGembaEvents>(harness.Events);
            services.AddGembaGrains(o =>
            {
                o.Tick = TimeSpan.FromSeconds(10);
                setup.Dispatch?.Invoke(o);
            });
            silo.UseGembaStateFormat();
            silo.AddSqliteGrainStorage(GembaStorage.Name, dbPath);
            silo.UseInMemoryReminderService();
        });
        harness.Cluster = builder.Build();
        await harness.Cluster.DeployAsync();
        return harness;
    }

    // ---- grains -------------------------------------------------------------------------------

    public IDispatcherGrain Dispatcher => Client.GetGrain<IDispatcherGrain>(Scope);
    public IConfigGrain Config => Client.GetGrain<IConfigGrain>(IConfigGrain.Key);
    public IPoolGrain Pool(string persona) => Client.GetGrain<IPoolGrain>(new PoolKey(Scope, persona).ToString());
    public ISessionGrain Session(string id) => Client.GetGrain<ISessionGrain>(id);

    /// <summary>Applies the given pools; beads without a persona of their own route to the first pool.</summary>
    public Task ApplyAsync(params ResolvedPool[] pools) =>
        Config.Apply(new ResolvedConfig(pools, new RoutingTable(new Dictionary<string, string>(), pools.FirstOrDefault()?.Persona), 0, 1,
            Interlocked.Increment(ref _configVersion)));

    public static ResolvedPool PoolConfig(
        string persona, int size, string agentType = "claude", double floor = 0.5, int recycleAfterBeads = -1,
        int idleCeilingMinutes = -1, int minIntervalSeconds = 0, int maxConcurrent = 0) =>
        new(Scope, persona, agentType, size, size, floor, recycleAfterBeads, idleCeilingMinutes, minIntervalSeconds, maxConcurrent, false);

    public Task<CycleReport> RunCycleAsync() => Dispatcher.RunCycle();

    /// <summary>The dispatcher's most recent logged decision about <paramref name="beadId"/>.</summary>
    public async Task<DispatchDecision> LatestDecisionAsync(string beadId) =>
        (await Dispatcher.GetDecisions(1000)).FirstOrDefault(d => d.BeadId == beadId)
        ?? throw new InvalidOperationException($"no decision logged for {beadId}");

    /// <summary>Waits until exactly the given beads have been handed over (each once), then checks nothing else was.</summary>
    public async Task ExpectHandedOverAsync(params string[] beadIds)
    {
        await WaitForAsync(() => Plane.Handovers.Count >= beadIds.Length, $"{beadIds.Length} hand-overs ({string.Join(", ", beadIds)})");
        Assert.Equal(beadIds.Order(StringComparer.Ordinal), Plane.Handovers.Select(h => h.BeadId).Order(StringComparer.Ordinal));
    }

    public async Task<MemberSummary> SummaryAsync(string sessionId) =>
        await Session(sessionId).GetSummary() ?? throw new InvalidOperationException($"session {sessionId} does not exist");

    // ---- agents -------------------------------------------------------------------------------

    /// <summary>
    /// The agent of <paramref name="sessionId"/> reports <paramref name="beadId"/> done; it must be accepted.
    /// The agent lets go of the bead as it says so, before the cluster can hand the bead's successors out.
    /// </summary>
    public async Task DoneAsync(string sessionId, string beadId)
    {
        Plane.Released(sessionId, beadId);
        var result = await Session(sessionId).BeadDone(beadId);
        if (!result.Accepted)
            throw new InvalidOperationException($"bead-done of {beadId} by {sessionId} was rejected: {result.Status} {result.Message}");
    }

    public async Task FailAsync(string sessionId, string beadId, string reason)
    {
        Plane.Released(sessionId, beadId);
        var result = await Session(sessionId).Fail(beadId, reason);
        if (!result.Accepted)
            throw new InvalidOperationException($"failure of {beadId} by {sessionId} was rejected: {result.Status} {result.Message}");
    }

    public bool AllClosed(IEnumerable<string> beadIds)
    {
        var beads = Beads.ReadAll();
        return beadIds.All(id => beads.TryGetValue(id, out var b) && (string?)b["status"] == "closed");
    }

    /// <summary>
    /// Plays every agent until <paramref name="beadIds"/> are all closed: runs a cycle, waits until some
    /// bead is held, reports every held bead done, and again.
    /// </summary>
    public async Task DrainAsync(IReadOnlyCollection<string> beadIds, int maxRounds = 100)
    {
        for (var round = 0; !AllClosed(beadIds); round++)
        {
            if (round >= maxRounds)
                throw new InvalidOperationException($"beads still open after {maxRounds} rounds: " +
                    string.Join(", ", beadIds.Where(id => Beads.StatusOf(id) != "closed")) + "\n" + Describe());
            await RunCycleAsync();
            await WaitForAsync(() => Plane.HeldNow > 0 || AllClosed(beadIds),
                $"drain round {round}: some bead held, or all of {string.Join(",", beadIds)} closed");
            foreach (var (bead, session) in Plane.Holders) await DoneAsync(session, bead);
        }
    }

    /// <summary>The hand-over of <paramref name="beadId"/> (waits for it).</summary>
    public async Task<Handover> HandoverOfAsync(string beadId, int attempt = 1, TimeSpan? timeout = null)
    {
        Handover? found = null;
        await WaitForAsync(() =>
        {
            var all = Plane.Handovers.Where(h => h.BeadId == beadId).ToList();
            found = all.Count >= attempt ? all[attempt - 1] : null;
            return found is not null;
        }, $"hand-over #{attempt} of {beadId}", timeout);
        return found!;
    }

    // ---- time and waiting ---------------------------------------------------------------------

    /// <summary>Advances the fake clock off the test thread (due grain timers fire inline), bounded so a spin fails the test.</summary>
    public Task AdvanceAsync(TimeSpan by) =>
        Task.Run(() => Time.Advance(by)).WaitAsync(TimeSpan.FromSeconds(60));

    public Task WaitForAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitForAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking it after every harness signal
    /// (a plane call, a published event); fails with <paramref name="what"/> and the recent log on timeout.
    /// </summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var next = Volatile.Read(ref _pulse).Task;
            if (await condition()) return;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || !await Completes(next, remaining))
            {
                if (await condition()) return;
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what}\n{Describe()}");
            }
        }
    }

    private static async Task<bool> Completes(Task task, TimeSpan within)
    {
        try { await task.WaitAsync(within); return true; }
        catch (TimeoutException) { return false; }
    }

    /// <summary>Plane calls and recent events, for timeout messages.</summary>
    public string Describe()
    {
        var calls = Plane.Calls.TakeLast(30).Select(c => $"  plane #{c.Sequence} {c.Kind} {c.SessionId} {c.BeadId}");
        var events = _events.TakeLast(30).Select(e => $"  event {e.Kind} {e.SessionId} {e.BeadId} {e.Status} {e.Message}");
        return string.Join('\n', calls.Concat(events));
    }

    private void Pulse()
    {
        var previous = Interlocked.Exchange(ref _pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    private void StartEventPump()
    {
        // Subscribing registers the channel synchronously on the first MoveNextAsync, before any grain runs.
        var enumerator = Events.SubscribeAsync(_stop.Token).GetAsyncEnumerator(_stop.Token);
        var first = enumerator.MoveNextAsync();
        _eventPump = Pump(enumerator, first);

        async Task Pump(IAsyncEnumerator<GembaEvent> e, ValueTask<bool> pending)
        {
            try
            {
                while (await pending)
                {
                    _events.Enqueue(e.Current);
                    Pulse();
                    pending = e.MoveNextAsync();
                }
            }
            catch (OperationCanceledException) { }
            finally { await e.DisposeAsync(); }
        }
    }

    // ---- lifetime -----------------------------------------------------------------------------

    /// <summary>Stops every silo gracefully and the client, keeping the storage and beads for a successor.</summary>
    public async Task StopAsync()
    {
        await Cluster.StopAllSilosAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try { await Cluster.DisposeAsync(); }
        catch (Exception) { /* a killed silo may throw while disposing; the test already has its verdict */ }
        _stop.Cancel();
        if (_eventPump is not null) await _eventPump;
        WorkPlane.Dispose();
        foreach (var path in _ownedPaths)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                    if (File.Exists(file)) File.Delete(file);
            }
            catch (IOException) { }
        }
    }

    /// <summary>Temp paths a group of clusters share; deleted by <see cref="DeleteShared"/>.</summary>
    public static string NewTempPath(string prefix) => TempPath(prefix, null);

    public static void DeleteShared(params string[] paths)
    {
        foreach (var path in paths)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                    if (File.Exists(file)) File.Delete(file);
            }
            catch (IOException) { }
        }
    }

    private static string TempPath(string prefix, List<string>? owned)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..12]);
        owned?.Add(path);
        return path;
    }
}
