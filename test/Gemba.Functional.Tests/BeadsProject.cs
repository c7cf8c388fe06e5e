using System.Diagnostics;

namespace Gemba.Functional.Tests;

/// <summary>
/// A temporary git repository laid out like a beads project: <c>.beads/issues.jsonl</c> and
/// <c>.gemba/</c> (pool.toml, agents.toml, personas) tracked and committed on <c>main</c>, with a
/// scripted agent outside the checkout and a control folder the test and the agent talk through.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class BeadsProject : IDisposable
{
    private readonly TempDir _root = new();

    public BeadsProject(int poolSize, IEnumerable<string> beadLines)
    {
        Directory.CreateDirectory(Repo);
        Directory.CreateDirectory(Control);
        Git("init", "-q", "-b", "main");
        Git("config", "user.email", "operator@example.com");
        Git("config", "user.name", "Operator");
        var agent = _root.File("bin/scripted-agent", ScriptedAgent.Replace("@CTL@", Control).Replace("\r", ""));
        File.SetUnixFileMode(agent, (UnixFileMode)0b111_101_101);
        _root.File("repo/.gemba/agents.toml", $"[[agent]]\nname = \"scripted\"\nbinary = \"{agent}\"\nmax_parallel = 4\n");
        _root.File("repo/.gemba/pool.toml", $"# the operator's pool config\n[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = {poolSize}\nagent_type = \"scripted\"\n");
        _root.File("repo/.gemba/personas/engineer.toml", "name = \"Engineer\"\nprompt = \"You are the engineer persona.\"\n");
        _root.File("repo/README.md", "# a project\n");
        BeadsFile = _root.File("repo/.beads/issues.jsonl", string.Concat(beadLines.Select(l => l + "\n")));
        Git("add", "-A");
        Git("commit", "-q", "-m", "beads project");
    }

    public string Repo => Path.Combine(_root.Path, "repo");

    /// <summary>Where the scripted agent logs and where the test leaves it instructions (hold-, dirty-, fifo-).</summary>
    public string Control => Path.Combine(_root.Path, "ctl");

    public string BeadsFile { get; }

    public string AgentLog => File.Exists(Path.Combine(Control, "agent.log")) ? File.ReadAllText(Path.Combine(Control, "agent.log")) : "";

    public static string Bead(string id, int priority = 2) =>
        $$"""{"_type":"issue","id":"{{id}}","title":"Bead {{id}}","description":"Add work/{{id}}.txt","status":"open","priority":{{priority}},"issue_type":"task"}""";

    /// <summary>The agent taking <paramref name="beadId"/> stops before working on it until <see cref="ReleaseAsync"/>.</summary>
    public void HoldOnce(string beadId)
    {
        MakeFifo(beadId);
        File.WriteAllText(Path.Combine(Control, $"hold-{beadId}"), "");
    }

    /// <summary>The agent commits its file but leaves scratch-<id>.txt uncommitted, reports bead-done, then waits for <see cref="ReleaseAsync"/>.</summary>
    public void LeaveDirtyOnce(string beadId)
    {
        MakeFifo(beadId);
        File.WriteAllText(Path.Combine(Control, $"dirty-{beadId}"), "");
    }

    /// <summary>Lets a waiting agent go on (writes a line into its FIFO; blocks until the agent reads).</summary>
    public async Task ReleaseAsync(string beadId) =>
        await File.WriteAllTextAsync(Path.Combine(Control, $"fifo-{beadId}"), "go\n").WaitAsync(TimeSpan.FromSeconds(30));

    public string StatusOf(string beadId) =>
        File.ReadLines(BeadsFile).Single(l => l.Contains($"\"id\":\"{beadId}\"")) is var line && line.Contains("\"status\":\"closed\"") ? "closed"
        : line.Contains("\"status\":\"in_progress\"") ? "in_progress" : "open";

    public string Git(params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEnd();
        var error = git.StandardError.ReadToEnd();
        if (!git.WaitForExit(30_000)) throw new TimeoutException($"git {string.Join(' ', args)} did not finish");
        if (git.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({git.ExitCode}): {error}");
        return output;
    }

    private void MakeFifo(string beadId)
    {
        var fifo = Path.Combine(Control, $"fifo-{beadId}");
        if (File.Exists(fifo)) return;
        using var mk = Process.Start(new ProcessStartInfo("mkfifo", [fifo]))!;
        mk.WaitForExit();
        if (mk.ExitCode != 0) throw new InvalidOperationException($"mkfifo {fifo} failed");
    }

    public void Dispose() => _root.Dispose();

    /// <summary>
    /// Stands in for claude: for each prompt it reads the bead id from the prompt's last line, writes
    /// work/<id>.txt in its own worktree, commits it, and reports done with the seed's snippet (bead id
    /// from the branch name), calling the gemba-state it finds on PATH. Instructions from the test: a
    /// hold-<id> file makes it wait on fifo-<id> first; a dirty-<id> file makes it leave a scratch file
    /// and report bead-done once dirty before waiting on fifo-<id>.
    /// </summary>
    private const string ScriptedAgent = """
        #!/usr/bin/env bash
        CTL="@CTL@"
        log() { printf '%s %s\n' "$GEMBA_SESSION_ID" "$*" >> "$CTL/agent.log"; }
        log "started in $PWD"
        while IFS= read -r line; do
          [[ "$line" =~ bead-done\ --bead\ ([A-Za-z0-9._-]+) ]] || continue
          id="${BASH_REMATCH[1]}"
          log "took $id on $(git rev-parse --abbrev-ref HEAD) in $PWD"
          if [ -e "$CTL/hold-$id" ]; then
            rm -f "$CTL/hold-$id"; log "holding $id"
            read -r _ < "$CTL/fifo-$id"
          fi
          mkdir -p work
          echo "$id by $GEMBA_SESSION_ID" > "work/$id.txt"
          git add "work/$id.txt" && git commit -q -m "$id: done" || log "commit failed $id"
          if [ -e "$CTL/dirty-$id" ]; then
            rm -f "$CTL/dirty-$id"
            echo scratch > "scratch-$id.txt"
            if gemba-state bead-done --bead "$id" 2>>"$CTL/agent.log"; then log "dirty accepted $id"; else log "dirty refused $id"; fi
            read -r _ < "$CTL/fifo-$id"
            rm -f "scratch-$id.txt"
          fi
          BEAD_ID="$(git rev-parse --abbrev-ref HEAD 2>/dev/null | sed -n 's,^bead/,,p')"
          if gemba-state bead-done --bead "$BEAD_ID" 2>>"$CTL/agent.log"; then log "done $BEAD_ID"; else log "bead-done failed $BEAD_ID"; fi
        done
        """;
}
