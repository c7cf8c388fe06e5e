using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gemba.Functional.Tests;

/// <summary>
/// The native plane for real: gemba opens tmux panes running a scripted agent, pastes each bead's
/// prompt, and the agent answers with <c>gemba-state bead-done</c> over HTTP, as a real agent would.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NativeTmuxTests
{
    private const string Agent = """
        #!/usr/bin/env bash
        # A scripted agent: reads its prompt and reports the bead done.
        while IFS= read -r line; do
          if [[ "$line" =~ bead-done\ --bead\ ([A-Za-z0-9._-]+) ]]; then
            gemba-state bead-done --bead "${BASH_REMATCH[1]}" || echo "gemba-state failed" >&2
          fi
        done
        """;

    [Fact]
    public async Task Tmux_panes_run_the_agent_which_reports_each_bead_done_and_members_are_reused()
    {
        using var dir = new TempDir();
        var socket = $"gemba-ft-{Guid.NewGuid():N}"[..20];
        var agent = dir.File("bin/agent.sh", Agent.Replace("\r", ""));
        var home = Path.Combine(dir.Path, "home");
        dir.File("home/gemba-state", $"#!/usr/bin/env bash\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "gemba.dll")}\" state \"$@\"\n");
        foreach (var script in new[] { agent, Path.Combine(home, "gemba-state") }) File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        dir.File(".gemba/agents.toml", $"[[agent]]\nname = \"scripted\"\nbinary = \"{agent}\"\nmax_parallel = 4\n");
        dir.File(".gemba/pool.toml", "[pool]\ndefault_persona = \"engineer\"\n\n[pool.local.engineer]\nsize = 2\nagent_type = \"scripted\"\n");
        dir.File(".gemba/personas/engineer.toml", "name = \"Engineer\"\n");
        var beadsFile = dir.File(".beads/issues.jsonl", string.Concat(Enumerable.Range(1, 5).Select(i =>
            $$"""{"id":"nt-{{i}}","title":"Native bead {{i}}","status":"open","priority":2,"issue_type":"task","labels":["native"]}""" + "\n")));

        var port = GembaProcess.FreePort();
        try
        {
            await using var gemba = GembaProcess.Start(dir.Path, new Dictionary<string, string?> { ["GEMBA_HOME"] = home },
                "serve", "--orchestration", "native", "--work-plane", "jsonl", "--port", port.ToString(), "--tmux-socket", socket, "--tick", "1");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!File.ReadAllLines(beadsFile).All(l => l.Contains("\"status\":\"closed\"")))
            {
                if (gemba.HasExited) Assert.Fail($"gemba exited.\n{gemba.Stdout}\n{gemba.Stderr}");
                if (DateTime.UtcNow > deadline) Assert.Fail($"beads not closed within 90 s.\n{File.ReadAllText(beadsFile)}\n{gemba.Stdout}\n{gemba.Stderr}");
                await Task.Delay(250);
            }

            var sessions = (await http.GetFromJsonAsync<JsonElement>("api/sessions")).GetProperty("sessions").EnumerateArray().ToList();
            Assert.InRange(sessions.Count, 1, 2);
            Assert.All(sessions, s => Assert.StartsWith("%", s.GetProperty("pane_id").GetString()));
            Assert.Equal(5, sessions.Sum(s => s.GetProperty("beads_done").GetInt32()));
            Assert.Contains(sessions, s => s.GetProperty("beads_done").GetInt32() > 1);
        }
        finally
        {
            using var kill = Process.Start(new ProcessStartInfo("tmux", ["-L", socket, "kill-server"]) { RedirectStandardError = true });
            await kill!.WaitForExitAsync();
        }
    }
}
