using Gemba.Adapters.Tests.GasTown;

namespace Gemba.Functional.Tests;

/// <summary>
/// A Gas Town for a real <c>gemba serve --orchestration gastown</c>: the faithful fake <c>gt</c> first on
/// the PATH the server gets, two rigs (alpha operational with an engineer polecat, beta parked with
/// none), and a town directory with pools for both. The fake's call log shows every argument list.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class FakeGasTown : IDisposable
{
    private readonly TempDir _dir = new();

    public FakeGasTown(string poolToml = "[pool]\ndefault_persona = \"engineer\"\n\n[pool.alpha.engineer]\nsize = 1\n\n[pool.beta.engineer]\nsize = 1\n")
    {
        var gt = _dir.File("bin/gt", FakeGtScript.Text.Replace("\r", ""));
        File.SetUnixFileMode(gt, (UnixFileMode)0b111_101_101);
        _dir.File("fake-gt/rig-list.json", """
            [{"name": "alpha", "beads_prefix": "al", "status": "operational", "witness": "running", "refinery": "running", "polecats": 1, "crew": 0},
             {"name": "beta", "beads_prefix": "be", "status": "parked", "witness": "stopped", "refinery": "stopped", "polecats": 0, "crew": 0}]
            """);
        _dir.File("fake-gt/polecat-list.json", """[{"rig": "alpha", "name": "engineer", "state": "idle", "session_running": true}]""");
        _dir.File("town/.gemba/pool.toml", poolToml);
        _dir.File("town/.gemba/agents.toml", "[[agent]]\nname = \"claude\"\nbinary = \"claude\"\nmax_parallel = 4\n");
        _dir.File("town/.gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        _dir.File("town/.beads/issues.jsonl", "");
    }

    /// <summary>Where the server runs (its working directory).</summary>
    public string Town => Path.Combine(_dir.Path, "town");

    public string FakeDir => Path.Combine(_dir.Path, "fake-gt");

    /// <summary>The server's environment: the fake first on PATH, and where it keeps its answers.</summary>
    public IDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["PATH"] = Path.Combine(_dir.Path, "bin") + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_GT_DIR"] = FakeDir,
    };

    public string[][] Calls => File.Exists(Path.Combine(FakeDir, "calls.log"))
        ? [.. File.ReadAllLines(Path.Combine(FakeDir, "calls.log")).Select(l => l.Split('\t'))]
        : [];

    /// <summary>Overrides the fake's answer to call <paramref name="key"/> (see the script's header).</summary>
    public void Respond(string key, string? stdout = null, int? exit = null, string? stderr = null)
    {
        if (stdout is not null) File.WriteAllText(Path.Combine(FakeDir, key + ".out"), stdout);
        if (exit is not null) File.WriteAllText(Path.Combine(FakeDir, key + ".exit"), exit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (stderr is not null) File.WriteAllText(Path.Combine(FakeDir, key + ".stderr"), stderr);
    }

    public void Reset(string key)
    {
        foreach (var suffix in new[] { ".out", ".exit", ".stderr" }) File.Delete(Path.Combine(FakeDir, key + suffix));
    }

    public void Dispose() => _dir.Dispose();
}
