using System.Text.RegularExpressions;
using Gemba.Config;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The <c>tmux new-window</c> argument list that starts one agent: the window name, the gemba
/// environment and the agent command from agents.toml.
/// </summary>
internal static partial class TmuxWindowCommand
{
    /// <summary>Variables gemba sets itself; agents.toml may not override them.</summary>
    public static readonly IReadOnlySet<string> Reserved =
        new HashSet<string>(StringComparer.Ordinal) { "GEMBA_SESSION_ID", "GEMBA_URL", "GEMBA_TOKEN", "GEMBA_AGENT_TYPE", "GEMBA_INTERACTION_MODE" };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    /// <param name="currentPath">The server's own <c>PATH</c> (the agent's <c>env.PATH</c> replaces it when declared).</param>
    /// <param name="ignored">Receives the agents.toml variables that were dropped because gemba owns them.</param>
    /// <param name="startDirectory">Where the pane starts: the member's worktree, or the server's directory outside git.</param>
    public static IReadOnlyList<string> Build(
        TmuxPlaneOptions options, string sessionId, AgentDefinition agent, string? currentPath, ICollection<string> ignored, string? startDirectory = null)
    {
        var args = new List<string>
        {
            "new-window", "-d",
            "-t", $"={options.SessionName}:",
            "-c", startDirectory ?? options.WorkingDirectory,
            "-P", "-F", "#{pane_id}",
            "-n", $"gemba: {sessionId}",
            "-e", $"GEMBA_SESSION_ID={sessionId}",
            "-e", $"GEMBA_URL={options.GembaUrl}",
            "-e", $"GEMBA_AGENT_TYPE={agent.Name}",
            "-e", $"GEMBA_INTERACTION_MODE={agent.InteractionMode.ToString().ToLowerInvariant()}",
        };
        if (!string.IsNullOrEmpty(options.Token)) args.AddRange(["-e", $"GEMBA_TOKEN={options.Token}"]);

        foreach (var (key, value) in agent.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!VariableName().IsMatch(key))
                throw new ArgumentException($"agent \"{agent.Name}\" in agents.toml: env key \"{key}\" is not a valid environment variable name");
            if (Reserved.Contains(key)) { ignored.Add(key); continue; }
            if (key == "PATH") continue; // see PanePath
            args.Add("-e");
            args.Add($"{key}={value}");
        }
        if (PanePath(options, agent, currentPath) is { } path)
        {
            args.Add("-e");
            args.Add($"PATH={path}");
        }

        args.Add("--");
        // tmux hands a single-word command to `$SHELL -c`; run it through env instead so no shell
        // ever interprets the agent command, with or without arguments.
        var command = AgentCommand(agent);
        if (command.Count == 1) args.AddRange(["env", "--"]);
        args.AddRange(command);
        return args;
    }

    /// <summary>
    /// The pane's <c>PATH</c>: <see cref="TmuxPlaneOptions.ExtraPath"/> first, then the agent's
    /// <c>env.PATH</c> or else the server's. tmux (3.3) replaces a <c>-e PATH</c> with the PATH of the
    /// calling client, so the plane also runs <c>new-window</c> with this PATH in its own environment.
    /// </summary>
    public static string? PanePath(TmuxPlaneOptions options, AgentDefinition agent, string? currentPath)
    {
        var basePath = agent.Env.TryGetValue("PATH", out var declared) ? declared : currentPath ?? "";
        var path = string.IsNullOrEmpty(options.ExtraPath) ? basePath
            : basePath.Length == 0 ? options.ExtraPath
            : $"{options.ExtraPath}{Path.PathSeparator}{basePath}";
        return path.Length == 0 ? null : path;
    }

    /// <summary>binary + args, plus <c>--model M</c> for the agent named <c>claude</c> (original §6.1).</summary>
    public static IReadOnlyList<string> AgentCommand(AgentDefinition agent)
    {
        var command = new List<string> { agent.Binary };
        command.AddRange(agent.Args);
        if (agent.Name == "claude" && !string.IsNullOrWhiteSpace(agent.Model))
            command.AddRange(["--model", agent.Model]);
        return command;
    }
}
