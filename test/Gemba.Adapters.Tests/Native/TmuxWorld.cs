using System.Diagnostics;
using Gemba.Config;
using Gemba.Silo.Orchestration.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gemba.Adapters.Tests.Native;

/// <summary>
/// One test's private tmux server (<c>tmux -L gemba-test-…</c>, killed on dispose), a scripted agent
/// and a fake <c>gemba-state</c>, all generated into a temp directory. The agent reads lines from its
/// terminal, records them in <c>received-$GEMBA_SESSION_ID.log</c> and, on a line containing
/// <c>bead-done --bead ID</c>, runs <c>gemba-state bead-done --bead ID</c>; the fake gemba-state appends
/// <c>$GEMBA_SESSION_ID $GEMBA_URL $*</c> to <c>signals.log</c>.
/// </summary>
internal sealed class TmuxWorld : IDisposable
{
    public const string Url = "http://127.0.0.1:7666/";
    public const string Model = "opus-test";

    private const string AgentScript = """
        #!/usr/bin/env bash
        # scripted agent for the native plane tests
        out="$1/received-${GEMBA_SESSION_ID}.log"
        shift
        printf 'started args=%s flavour=%s\n' "$*" "${AGENT_FLAVOUR:-}" >> "$out"
        while IFS= read -r line; do
          printf '%s\n' "$line" >> "$out"
          if [[ "$line" =~ bead-done\ --bead\ ([A-Za-z0-9._-]+) ]]; then
            gemba-state bead-done --bead "${BASH_REMATCH[1]}"
          fi
        done
        """;

    private readonly TempDirectory _root = new();

    public TmuxWorld()
    {
        Tmux = CommandRunnerPath("tmux") ?? throw new InvalidOperationException(
            "tmux is not installed, and the native orchestration plane tests run against real tmux: install tmux (apt-get install tmux)");
        Socket = "gemba-test-" + Guid.NewGuid().ToString("N")[..12];
        Root = _root.Path;
        Bin = _root.Combine("bin");
        Work = _root.Combine("work");
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Work);
        SignalsFile = _root.Combine("signals.log");

        AgentPath = _root.Combine("scripted-agent");
        WriteExecutable(AgentPath, AgentScript);
        WriteExecutable(Path.Combine(Bin, "gemba-state"), $"""
            #!/usr/bin/env bash
            printf '%s %s %s\n' "$GEMBA_SESSION_ID" "$GEMBA_URL" "$*" >> '{SignalsFile}'
            """);

        Agents = AgentsRegistry.Parse($"""
            [[agent]]
            name = "scripted"
            binary = '{AgentPath}'
            args = ['{Root}']
            [agent.env]
            GEMBA_URL = "http://wrong.example/"
            AGENT_FLAVOUR = "test"

            [[agent]]
            name = "claude"
            binary = '{AgentPath}'
            args = ['{Root}']
            model = "{Model}"

            [[agent]]
            name = "shell-only"
            binary = '{AgentPath}'
            args = ['{Root}']
            """, "agents.toml");
        if (Agents.Findings.Count > 0)
            throw new InvalidOperationException("test agents.toml: " + string.Join("; ", Agents.Findings.Select(f => f.ToString())));
        Options = new TmuxPlaneOptions(Url, Work, SocketName: Socket, SessionName: "gemba", ExtraPath: Bin);
    }

    public string Tmux { get; }

    public string Socket { get; }

    public string Root { get; }

    public string Bin { get; }

    public string Work { get; }

    public string SignalsFile { get; }

    public string AgentPath { get; }

    public AgentsRegistry Agents { get; }

    public TmuxPlaneOptions Options { get; }

    public TmuxOrchestrationPlane CreatePlane(TmuxPlaneOptions? options = null) =>
        new(options ?? Options, Agents, NullLogger<TmuxOrchestrationPlane>.Instance);

    public string ReceivedFile(string sessionId) => Path.Combine(Root, $"received-{sessionId}.log");

    public Task<string[]> WaitForSignalAsync(string line, string? pane = null) =>
        FileWait.UntilAsync(SignalsFile, lines => lines.Contains(line), $"the signal \"{line}\"", () => Diagnose(pane));

    public Task<string[]> WaitForReceivedAsync(string sessionId, Func<string[], bool> done, string what, string? pane = null) =>
        FileWait.UntilAsync(ReceivedFile(sessionId), done, what, () => Diagnose(pane));

    /// <summary>Runs tmux on this world's server (assertions and sabotage only; the plane has its own client).</summary>
    public (int ExitCode, string Output) RunTmux(params string[] arguments)
    {
        var start = new ProcessStartInfo(Tmux) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(Socket);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("TMUX");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tmux {string.Join(' ', arguments)} did not finish in 10 s");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    private string Diagnose(string? pane)
    {
        var panes = RunTmux("list-panes", "-a", "-F", "#{pane_id} dead=#{pane_dead} #{pane_current_command} #{@gemba_session}").Output;
        var screen = pane is null ? "" : RunTmux("capture-pane", "-p", "-J", "-t", pane, "-S", "-50").Output;
        return $"panes:\n{panes}\nscreen of {pane}:\n{screen}";
    }

    public static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string? CommandRunnerPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public void Dispose()
    {
        try
        {
            // tmux 3.3 leaves its socket file behind on kill-server; remove it so test runs leave no litter
            var (found, socketPath) = RunTmux("display-message", "-p", "#{socket_path}");
            RunTmux("kill-server");
            if (found == 0 && socketPath.Trim() is { Length: > 0 } socket && Path.GetFileName(socket) == Socket) File.Delete(socket);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            // the server may never have started
        }
        _root.Dispose();
    }
}
