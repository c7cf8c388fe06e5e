using Gemba.Config;
using Gemba.Silo.Orchestration.Native;

namespace Gemba.Adapters.Tests.Native;

/// <summary>The new-window argument list, without running tmux.</summary>
public sealed class TmuxWindowCommandTests
{
    private static readonly TmuxPlaneOptions Options = new("http://127.0.0.1:7666/", "/work/repo", ExtraPath: "/opt/gemba/bin");

    private static AgentDefinition Agent(string name, string? model = null, IReadOnlyList<string>? args = null, Dictionary<string, string>? env = null) =>
        new(name, "/usr/local/bin/" + name, args ?? [], model, null, null, InteractionMode.Dangerous, false, null, env ?? []);

    [Fact]
    public void The_window_gets_the_gemba_environment_and_the_agent_command_after_a_separator()
    {
        var ignored = new List<string>();

        var args = TmuxWindowCommand.Build(Options, "s-1", Agent("aider", args: ["--yes", "--no-git"], env: new() { ["FOO"] = "a b" }), "/usr/bin", ignored);

        Assert.Equal(
            ["new-window", "-d", "-t", "=gemba:", "-c", "/work/repo", "-P", "-F", "#{pane_id}", "-n", "gemba: s-1",
             "-e", "GEMBA_SESSION_ID=s-1", "-e", "GEMBA_URL=http://127.0.0.1:7666/", "-e", "GEMBA_AGENT_TYPE=aider",
             "-e", "GEMBA_INTERACTION_MODE=dangerous", "-e", "FOO=a b", "-e", "PATH=/opt/gemba/bin:/usr/bin",
             "--", "/usr/local/bin/aider", "--yes", "--no-git"],
            args);
        Assert.Empty(ignored);
    }

    [Fact]
    public void Claude_gets_its_model_and_other_agents_do_not()
    {
        Assert.Equal(["/usr/local/bin/claude", "--model", "opus"], TmuxWindowCommand.AgentCommand(Agent("claude", "opus")));
        Assert.Equal(["/usr/local/bin/codex"], TmuxWindowCommand.AgentCommand(Agent("codex", "o3")));
    }

    [Fact]
    public void A_command_without_arguments_runs_through_env_so_no_shell_reads_it()
    {
        var args = TmuxWindowCommand.Build(Options, "s-1", Agent("codex"), "/usr/bin", []);

        Assert.Equal(["--", "env", "--", "/usr/local/bin/codex"], args.SkipWhile(a => a != "--"));
    }

    [Fact]
    public void Agents_toml_cannot_override_gemba_variables_and_its_path_goes_after_the_extra_path()
    {
        var ignored = new List<string>();

        var args = TmuxWindowCommand.Build(Options, "s-1",
            Agent("aider", env: new() { ["GEMBA_SESSION_ID"] = "forged", ["PATH"] = "/agent/bin" }), "/usr/bin", ignored);

        Assert.Equal(["GEMBA_SESSION_ID"], ignored);
        Assert.DoesNotContain("GEMBA_SESSION_ID=forged", args);
        Assert.Contains("PATH=/opt/gemba/bin:/agent/bin", args);
    }

    [Fact]
    public void An_env_key_that_is_not_a_variable_name_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TmuxWindowCommand.Build(Options, "s-1", Agent("aider", env: new() { ["BAD-KEY"] = "x" }), "/usr/bin", []));

        Assert.Contains("BAD-KEY", error.Message);
    }

    [Theory]
    [InlineData("/opt/gemba/bin", null, "/usr/bin", "/opt/gemba/bin:/usr/bin")]
    [InlineData("/opt/gemba/bin", "/agent/bin", "/usr/bin", "/opt/gemba/bin:/agent/bin")]
    [InlineData(null, null, "/usr/bin", "/usr/bin")]
    [InlineData("/opt/gemba/bin", null, null, "/opt/gemba/bin")]
    [InlineData(null, null, null, null)]
    public void The_pane_path_puts_the_extra_path_first(string? extra, string? agentPath, string? current, string? expected)
    {
        var env = agentPath is null ? new Dictionary<string, string>() : new() { ["PATH"] = agentPath };

        Assert.Equal(expected, TmuxWindowCommand.PanePath(Options with { ExtraPath = extra }, Agent("aider", env: env), current));
    }

    [Fact]
    public void The_pane_starts_in_the_given_directory_and_gets_the_servers_token()
    {
        var ignored = new List<string>();

        var args = TmuxWindowCommand.Build(Options with { Token = "t0ken" }, "s-1", Agent("aider", env: new() { ["GEMBA_TOKEN"] = "forged" }), "/usr/bin", ignored,
            "/work/repo/.gemba/worktrees/s-1");

        Assert.Equal("/work/repo/.gemba/worktrees/s-1", args[args.ToList().IndexOf("-c") + 1]);
        Assert.Contains("GEMBA_TOKEN=t0ken", args);
        Assert.DoesNotContain("GEMBA_TOKEN=forged", args);
        Assert.Equal(["GEMBA_TOKEN"], ignored);
        Assert.DoesNotContain(TmuxWindowCommand.Build(Options, "s-1", Agent("aider"), "/usr/bin", []), a => a.StartsWith("GEMBA_TOKEN", StringComparison.Ordinal));
    }
}
