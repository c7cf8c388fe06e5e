using Gemba.Silo.Orchestration.GasTown;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests.GasTown;

/// <summary>
/// A Gas Town served by the fake <c>gt</c> script: canned responses go into <see cref="Dir"/>
/// (<c>FAKE_GT_DIR</c>), the recorded argument lists come out of <see cref="Calls"/>.
/// </summary>
internal sealed class FakeGt : IDisposable
{
    // Written once per test run: writing an executable while other tests fork processes can make
    // the exec fail with ETXTBSY (a forked child briefly holds the write handle).
    private static readonly Lazy<string> Script = new(WriteScript, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly TempDirectory _root = new();

    public FakeGt()
    {
        Dir = _root.Combine("fake-gt");
        Directory.CreateDirectory(Dir);
        Executable = Script.Value;
    }

    public string Dir { get; }

    public string Executable { get; }

    public void File(string name, string content) => System.IO.File.WriteAllText(Path.Combine(Dir, name), content);

    public void Respond(string key, string? stdout = null, int? exit = null, string? stderr = null)
    {
        if (stdout is not null) File(key + ".out", stdout);
        if (exit is not null) File(key + ".exit", exit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (stderr is not null) File(key + ".stderr", stderr);
    }

    public IReadOnlyList<string[]> Calls
    {
        get
        {
            var path = Path.Combine(Dir, "calls.log");
            return System.IO.File.Exists(path) ? System.IO.File.ReadAllLines(path).Select(l => l.Split('\t')).ToList() : [];
        }
    }

    /// <summary>The calls whose first argument is <paramref name="command"/>.</summary>
    public IReadOnlyList<string[]> CallsOf(string command) => Calls.Where(c => c.Length > 0 && c[0] == command).ToList();

    public GtClient Client(string? executable = null, TimeSpan? timeout = null) =>
        new(new GtClientOptions(
                executable ?? Executable,
                Timeout: timeout,
                Environment: new Dictionary<string, string?> { ["FAKE_GT_DIR"] = Dir }),
            NullLogger<GtClient>.Instance);

    public GasTownOrchestrationPlane Plane(GtClient? client = null) =>
        new(client ?? Client(), NullLogger<GasTownOrchestrationPlane>.Instance)
        {
            SpawnLookupAttempts = 2,
            SpawnLookupDelay = TimeSpan.FromMilliseconds(20),
        };

    private static string WriteScript()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gemba-fake-gt-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "gt");
        System.IO.File.WriteAllText(path, FakeGtScript.Text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
            System.IO.File.SetUnixFileMode(path,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    public void Dispose() => _root.Dispose();
}
