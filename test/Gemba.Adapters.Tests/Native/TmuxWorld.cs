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
/// <c>$GEMBA_SESSION_ID $GEMBA_URL $*</c> to <c>signals.log</c>. At start the agent also writes its
/// directory and <c>GEMBA_TOKEN</c> to <c>env-$GEMBA_SESSION_ID.log</c>. With <c>git: true</c> the work
/// directory is a git repository on <c>main</c> whose <c>.beads/issues.jsonl</c> and
/// <c>.gemba/pool.toml</c> are committed, as in a normal beads project.
/// </summary>
internal sealed class TmuxWorld : IDisposable
{
    public const string Url = "http://127.0.0.1:7666/";
    public const string Model = "opus-test";

    private const string AgentScript = """
        #!/usr/bin/env bash
        # scripted agent for the native plane tests
        root="$1"
        out="$root/received-${GEMBA_SESSION_ID}.log"
        shift
        printf 'started args=%s flavour=%s\n' "$*" "${AGENT_FLAVOUR:-}" >> "$out"
        printf 'pwd=%s\ntoken=%s\n' "$PWD" "${GEMBA_TOKEN:-}" > "$root/env-${GEMBA_SESSION_ID}.log"
        while IFS= read -r line; do
          printf '%s\n' "$line" >> "$out"
          if [[ "$line" =~ bead-done\ --bead\ ([A-Za-z0-9._-]+) ]]; then
            gemba-state bead-done --bead "${BASH_REMATCH[1]}"
          fi
        done
        """;

    /// <summary>Takes input only after a quiet moment, then says READY: a prompt sent earlier is logged as "early".</summary>
    private const string SlowStartScript = """
        #!/usr/bin/env bash
        out="$1/received-${GEMBA_SESSION_ID}.log"
        printf 'started\n' >> "$out"
        if IFS= read -r -t 2 line; then printf 'early: %s\n' "$line" >> "$out"; fi
        echo READY
        while IFS= read -r line; do
          printf '%s\n' "$line" >> "$out"
          if [[ "$line" =~ bead-done\ --bead\ ([A-Za-z0-9._-]+) ]]; then
            gemba-state bead-done --bead "${BASH_REMATCH[1]}"
          fi
        done
        """;

    public const string PersonaPrompt = "You are the engineer persona: small commits, tests first.";
    public const string Preamble = "Preamble from agents.toml: run gemba-state when done.";

    private readonly TempDirectory _root = new();

    public TmuxWorld(bool git = false)
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
        WriteExecutable(_root.Combine("slow-agent"), SlowStartScript);
        WriteExecutable(_root.Combine("failing-agent"), "#!/usr/bin/env bash\necho \"fatal: no API key configured for $GEMBA_SESSION_ID\"\nexit 3");
        PersonasDir = _root.Combine("personas");
        Directory.CreateDirectory(PersonasDir);
        File.WriteAllText(Path.Combine(PersonasDir, "engineer.toml"), $"name = \"Engineer\"\nprompt = \"{PersonaPrompt}\"\n");
        WriteExecutable(Path.Combine(Bin, "gemba-state"), $"""
            #!/usr/bin/env bash
            printf '%s %s %s\n' "$GEMBA_SESSION_ID" "$GEMBA_URL" "$*" >> '{SignalsFile}'
            """);

        Agents = AgentsRegistry.Parse($"""
            [[agent]]
            name = "scripted"
            binary = '{AgentPath}'
            args = ['{Root}']
            preamble_text = "{Preamble}"
            [agent.env]
            GEMBA_URL = "http://wrong.example/"
            GEMBA_TOKEN = "forged"
            AGENT_FLAVOUR = "test"

            [[agent]]
            name = "claude"
            binary = '{AgentPath}'
            args = ['{Root}']
            model = "{Model}"
            preamble_text = "{Preamble}"

            [[agent]]
            name = "slow"
            binary = '{_root.Combine("slow-agent")}'
            args = ['{Root}']
            ready_pattern = "^READY$"

            [[agent]]
            name = "slow-no-pattern"
            binary = '{_root.Combine("slow-agent")}'
            args = ['{Root}']

            [[agent]]
            name = "failing"
            binary = '{_root.Combine("failing-agent")}'

            [[agent]]
            name = "missing"
            binary = "gemba-no-such-agent"

            [[agent]]
            name = "shell-only"
            binary = '{AgentPath}'
            args = ['{Root}']
            """, "agents.toml");
        if (Agents.Findings.Count > 0)
            throw new InvalidOperationException("test agents.toml: " + string.Join("; ", Agents.Findings.Select(f => f.ToString())));
        Options = new TmuxPlaneOptions(Url, Work, SocketName: Socket, SessionName: "gemba", ExtraPath: Bin, SettleTime: TimeSpan.FromMilliseconds(200));
        if (git) InitRepository();
    }

    /// <summary>A beads project: gemba's own files are committed, as `bd init` and a committed pool.toml leave them.</summary>
    private void InitRepository()
    {
        Git(Work, "init", "--quiet", "-b", "main");
        Git(Work, "config", "user.name", "Gemba Test");
        Git(Work, "config", "user.email", "test@gemba.invalid");
        Git(Work, "config", "commit.gpgsign", "false");
        Directory.CreateDirectory(Path.Combine(Work, ".beads"));
        Directory.CreateDirectory(Path.Combine(Work, ".gemba"));
        File.WriteAllText(Path.Combine(Work, ".beads", "issues.jsonl"), "{\"id\":\"gm-1\",\"title\":\"one\",\"status\":\"open\"}\n");
        File.WriteAllText(Path.Combine(Work, ".gemba", "pool.toml"), "[pool]\ndefault_persona = \"engineer\"\n");
        File.WriteAllText(Path.Combine(Work, "README.md"), "project\n");
        Git(Work, "add", "-A");
        Git(Work, "commit", "--quiet", "-m", "initial");
    }

    /// <summary>Runs git in a directory and returns its trimmed stdout; a failure fails the test with git's stderr.</summary>
    public static string Git(string directory, params string[] arguments)
    {
        var (code, output, error) = TryGit(directory, arguments);
        if (code != 0) throw new Xunit.Sdk.XunitException($"git {string.Join(' ', arguments)} in {directory} failed ({code}): {error}");
        return output.Trim();
    }

    public static (int ExitCode, string Output, string Error) TryGit(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(directory);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', arguments)} did not finish in 10 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    public string WorktreeOf(string sessionId) => Path.Combine(Work, ".gemba", "worktrees", sessionId);

    public string EnvFile(string sessionId) => Path.Combine(Root, $"env-{sessionId}.log");

    /// <summary>The agent's start-up record (directory and token), once it has written it.</summary>
    public async Task<Dictionary<string, string>> AgentEnvironmentAsync(string sessionId, string? pane = null)
    {
        var lines = await FileWait.UntilAsync(EnvFile(sessionId), l => l.Any(x => x.StartsWith("token=", StringComparison.Ordinal)), $"the start-up record of {sessionId}",
            () => Diagnose(pane));
        return lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }

    public string Tmux { get; }

    public string Socket { get; }

    public string Root { get; }

    public string Bin { get; }

    public string Work { get; }

    public string SignalsFile { get; }

    public string AgentPath { get; }

    /// <summary>Read by the plane at every call, as a reloaded agents.toml would be.</summary>
    public AgentsRegistry Agents { get; set; }

    public string PersonasDir { get; }

    public TmuxPlaneOptions Options { get; }

    public TmuxOrchestrationPlane CreatePlane(TmuxPlaneOptions? options = null) =>
        new(options ?? Options, () => Agents, () => PersonaCatalog.Load(PersonasDir), NullLogger<TmuxOrchestrationPlane>.Instance);

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

    public string Diagnose(string? pane)
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
