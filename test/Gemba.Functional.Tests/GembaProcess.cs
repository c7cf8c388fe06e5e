using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gemba.Functional.Tests;

/// <summary>
/// The real product run as the README says: the repository's <c>./gemba</c> launcher (which builds
/// into <c>artifacts/gemba</c> when the sources changed and puts <c>gemba-state</c> on the PATH agents
/// get), as a child process.
/// </summary>
internal sealed class GembaProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GembaProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.Exited += (_, _) => _exited.TrySetResult(process.ExitCode);
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static GembaProcess Start(string workingDirectory, IDictionary<string, string?>? env, params string[] args)
    {
        var info = new ProcessStartInfo(Launcher)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var inherited in new[] { "GEMBA_URL", "GEMBA_SESSION_ID", "GEMBA_TOKEN", "GEMBA_HOME" }) info.Environment.Remove(inherited);
        if (env is not null)
            foreach (var (key, value) in env) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new GembaProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    /// <summary>The checkout these tests were built from (the folder holding Gemba.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Launcher => Path.Combine(RepositoryRoot, "gemba");

    public static string StateScript => Path.Combine(RepositoryRoot, "gemba-state");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gemba.sln")) && File.Exists(Path.Combine(dir.FullName, "gemba"))) return dir.FullName;
        throw new InvalidOperationException($"no checkout with Gemba.sln and the ./gemba launcher above {AppContext.BaseDirectory}");
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IDictionary<string, string?>? env, params string[] args)
    {
        await using var p = Start(workingDirectory, env, args);
        // The first call after a source change builds through the launcher.
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(180));
        return (code, p.Stdout, p.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var code = await _exited.Task.WaitAsync(timeout);
        _process.WaitForExit(); // drains the redirected streams
        return code;
    }

    public bool HasExited => _exited.Task.IsCompleted;

    public int Pid => _process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            try { await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
        }
        _process.Dispose();
    }
}
