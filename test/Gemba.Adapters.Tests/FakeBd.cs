using Gemba.Silo.WorkPlanes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests;

/// <summary>
/// A beads directory served by the fake <c>fakes/bd</c> script: canned responses go in, the
/// recorded argument lists and environment come out.
/// </summary>
internal sealed class FakeBd : IDisposable
{
    private readonly TempDirectory _root = new();

    public FakeBd()
    {
        BeadsDir = _root.Combine(".beads");
        CannedDir = Path.Combine(BeadsDir, ".fake-bd");
        Directory.CreateDirectory(CannedDir);
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

    public void UseEnvelope() => File.WriteAllText(Path.Combine(CannedDir, "envelope"), "");

    public IReadOnlyList<string[]> Calls => ReadLog("calls.log").Select(l => l.Split('\t')).ToList();

    public IReadOnlyList<string> Environment => ReadLog("env.log");

    public BdWorkPlane Create(string? executable = null) =>
        new(executable ?? Executable, BeadsDir, "gemba", TimeProvider.System, NullLogger.Instance);

    private IReadOnlyList<string> ReadLog(string name)
    {
        var path = Path.Combine(CannedDir, name);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public void Dispose() => _root.Dispose();
}
