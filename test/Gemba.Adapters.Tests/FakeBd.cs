using Gemba.Silo.Processes;
using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests;

/// <summary>
/// A beads directory served by the fake <c>fakes/bd</c> script: canned responses go in, the
/// recorded argument lists and environment come out. By default the directory looks like a real
/// embedded-Dolt workspace (<c>embeddeddolt/</c>, <c>metadata.json</c>); the fake's own files sit beside it.
/// </summary>
internal sealed class FakeBd : IDisposable
{
    /// <summary>Small enough that a test waiting out the bound stays short, large enough for a few retries.</summary>
    public static readonly BdLockRetry QuickRetry = new(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400));

    private readonly TempDirectory _root = new();
    private readonly List<BdWorkPlane> _planes = [];

    public FakeBd(bool database = true)
    {
        BeadsDir = _root.Combine(".beads");
        CannedDir = _root.Combine(".fake-bd");
        Directory.CreateDirectory(BeadsDir);
        Directory.CreateDirectory(CannedDir);
        if (database)
        {
            Directory.CreateDirectory(Path.Combine(BeadsDir, "embeddeddolt", "beads", ".dolt", "noms"));
            File.WriteAllText(Path.Combine(BeadsDir, "metadata.json"), "{\n  \"database\": \"dolt\",\n  \"backend\": \"dolt\",\n  \"dolt_mode\": \"embedded\"\n}\n");
        }
        Executable = Path.Combine(AppContext.BaseDirectory, "fakes", "bd");
        // the build copies the script without guaranteeing the executable bit
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Executable,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public string BeadsDir { get; }

    public string CannedDir { get; }

    public string Executable { get; }

    public void Respond(string key, string? json = null, int? exit = null, string? stderr = null)
    {
        if (json is not null) File.WriteAllText(Path.Combine(CannedDir, key + ".json"), json);
        if (exit is not null) File.WriteAllText(Path.Combine(CannedDir, key + ".exit"), exit.Value.ToString());
        if (stderr is not null) File.WriteAllText(Path.Combine(CannedDir, key + ".stderr"), stderr);
    }

    /// <summary>The next <paramref name="calls"/> calls of <paramref name="key"/> find the database locked by another process.</summary>
    public void LockFor(string key, int calls) => File.WriteAllText(Path.Combine(CannedDir, key + ".lock"), calls + "\n");

    public void UseEnvelope() => File.WriteAllText(Path.Combine(CannedDir, "envelope"), "");

    public IReadOnlyList<string[]> Calls => ReadLog("calls.log").Select(l => l.Split('\t')).ToList();

    public IReadOnlyList<string> Environment => ReadLog("env.log");

    public BdWorkPlane Create(string? executable = null, BdLockRetry? lockRetry = null, TimeProvider? time = null, TimeSpan? changeDebounce = null)
    {
        var plane = new BdWorkPlane(executable ?? Executable, BeadsDir, "gemba", time ?? TimeProvider.System, NullLogger.Instance,
            lockRetry: lockRetry ?? QuickRetry, changeDebounce: changeDebounce);
        lock (_planes) _planes.Add(plane);
        return plane;
    }

    /// <summary>Runs the fake the way an agent's own <c>bd</c> would: another process, same beads directory.</summary>
    public async Task<ProcessResult> RunOutsideAsync(params string[] arguments) =>
        await ProcessRunner.RunAsync(Executable, arguments, TimeSpan.FromSeconds(20),
            environment: new Dictionary<string, string?> { ["BEADS_DIR"] = BeadsDir, ["BEADS_ACTOR"] = "agent" });

    private IReadOnlyList<string> ReadLog(string name)
    {
        var path = Path.Combine(CannedDir, name);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public void Dispose()
    {
        lock (_planes) foreach (var plane in _planes) plane.Dispose();
        _root.Dispose();
    }
}
