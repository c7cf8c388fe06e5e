using Gemba.Grains.Dispatch.Placement;

namespace Gemba.Functional.Tests;

/// <summary>
/// Three real <c>gemba serve --cluster redis --orchestration mock --mock-rigs</c> processes with
/// four rigs: each rig's dispatcher ends up on the silo its scope's placement picks (so on more
/// than one silo), every rig's beads close, and after a SIGKILL every dispatcher is re-placed on
/// the survivors and dispatches again.
/// </summary>
public sealed class DispatcherSpreadTests
{
    // FNV-1a over three silos puts these on indexes 2, 0, 1, 2 and over two on 1, 0, 1, 0: all silos host one.
    private static readonly string[] Rigs = ["alpha", "gamma", "delta", "north"];
    private const int BeadsPerRig = 40;

    [Fact]
    public async Task Dispatchers_spread_over_the_silos_by_scope_and_come_back_on_the_survivors_of_a_kill()
    {
        await using var redis = await RedisServer.StartAsync();
        using var dir = new TempDir();
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n" +
            string.Concat(Rigs.Select(r => $"\n[pool.{r}.engineer]\nsize = 3\nfloor = 0.0\n")));
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beadsFile = dir.File(".beads/issues.jsonl", "");

        var cluster = new SiloSet(dir, redis.Port, "--mock-rigs");
        await using var _ = cluster;
        await cluster.StartAllAsync(3);
        await using var orleans = await ClusterClient.ConnectAsync(redis.Port);
        var watches = new Dictionary<int, EventWatch>();
        foreach (var silo in cluster.Running) watches[silo.SiloPort] = await EventWatch.ConnectAsync(silo.HttpPort);
        using var __ = new Disposer(watches.Values);

        // The first silo applied the configuration alone, so it activated every dispatcher; the others' joins re-place them.
        var placed = await UntilPlacedBySpread(orleans, 3);
        Assert.True(placed.Values.Distinct().Count() > 1, $"every dispatcher on one silo: {Describe(placed)}");

        await Append(beadsFile, 1);
        await cluster.Until(() => Rigs.All(r => Closed(beadsFile, r) == BeadsPerRig),
            $"the {BeadsPerRig} beads of every rig closed before the kill ({string.Join(", ", Rigs.Select(r => $"{r}: {Closed(beadsFile, r)}"))})");

        // The victim hosts the most dispatchers, so the kill really moves some.
        var victimPort = placed.Values.GroupBy(p => p).OrderByDescending(g => g.Count()).First().Key;
        var victim = cluster.BySiloPort(victimPort);
        victim.Kill();
        var survivors = cluster.Running.Select(s => s.SiloPort).ToHashSet();

        await Append(beadsFile, 2);
        await cluster.Until(() => Rigs.All(r => Closed(beadsFile, r) == 2 * BeadsPerRig),
            $"the second {BeadsPerRig} beads of every rig closed after the kill", TimeSpan.FromSeconds(60));

        var after = await UntilPlacedBySpread(orleans, 2);
        Assert.All(after, p => Assert.Contains(p.Value, survivors));

        // Moves never ran two cycles of a scope at once: a survivor, which sees every silo's events, saw no bead dispatched twice.
        var dispatches = watches[survivors.First()].Dispatches();
        var twice = dispatches.Where(d => d.Value.Count > 1).Select(d => $"{d.Key} x{d.Value.Count}").ToList();
        Assert.True(twice.Count == 0, $"dispatched more than once: {string.Join(", ", twice.Take(20))}");
        Assert.True(dispatches.Keys.Count(k => k.Contains("-2-", StringComparison.Ordinal)) >= Rigs.Length * BeadsPerRig * 9 / 10,
            $"a survivor saw only {dispatches.Keys.Count(k => k.Contains("-2-", StringComparison.Ordinal))} dispatches of the second batch");
    }

    [Fact]
    public async Task Mock_rigs_outside_mock_orchestration_is_refused_with_the_reason()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = await GembaProcess.RunAsync(dir.Path, null,
            "serve", "--orchestration", "native", "--mock-rigs", "--work-plane", "jsonl", "--port", GembaProcess.FreePort().ToString());
        Assert.Equal(2, code);
        Assert.Contains("--mock-rigs is for --orchestration mock, not native", stderr);
    }

    /// <summary>Polls until exactly <paramref name="silos"/> silos are active and each rig's dispatcher is where <see cref="ScopeSpread"/> puts it.</summary>
    private static async Task<Dictionary<string, int>> UntilPlacedBySpread(ClusterClient orleans, int silos)
    {
        Dictionary<string, int> placed = [];
        Dictionary<string, int> expected = [];
        var active = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            active = await orleans.ActiveSilos();
            if (active.Count == silos)
            {
                expected = Rigs.ToDictionary(r => r, r => active[ScopeSpread.Choose(r, active.Keys)!]);
                foreach (var rig in Rigs) placed[rig] = await orleans.DispatcherSiloPort(rig);
                if (Rigs.All(r => placed[r] == expected[r])) return placed;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"not within 60 s: the dispatchers placed by scope over {silos} silos; active silos {string.Join(", ", active.Keys)}, " +
            $"expected {Describe(expected)}, last seen {Describe(placed)}");
        return placed;
    }

    private static string Describe(Dictionary<string, int> placed) => string.Join(", ", placed.Select(p => $"{p.Key}@{p.Value}"));

    /// <summary>Batch <paramref name="batch"/> of every rig's beads, appended in one atomic replace as an outside writer would.</summary>
    private static async Task Append(string beadsFile, int batch)
    {
        var lines = string.Concat(Rigs.SelectMany(r => Enumerable.Range(1, BeadsPerRig).Select(i =>
            $$"""{"id":"sp-{{r}}-{{batch}}-{{i}}","title":"Spread bead","description":"---\ntemplate: noop\nduration_ms: 5\n---\n","status":"open","priority":2,"issue_type":"task","labels":["rig:{{r}}"]}""" + "\n")));
        var staged = beadsFile + ".staged";
        await File.WriteAllTextAsync(staged, await File.ReadAllTextAsync(beadsFile) + lines);
        File.Move(staged, beadsFile, overwrite: true);
    }

    private static int Closed(string beadsFile, string rig)
    {
        try
        {
            return File.ReadAllLines(beadsFile).Count(l => l.Contains($"\"id\":\"sp-{rig}-", StringComparison.Ordinal)
                && l.Contains("\"status\":\"closed\"", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private sealed class Disposer(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
