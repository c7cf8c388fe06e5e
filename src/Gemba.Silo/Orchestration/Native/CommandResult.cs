namespace Gemba.Silo.Orchestration.Native;

/// <summary>What one tmux or git call produced; <see cref="CommandLine"/> is for messages only.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Describe() =>
        StandardError.Trim() is { Length: > 0 } stderr
            ? $"`{CommandLine}` failed (exit code {ExitCode}): {stderr}"
            : $"`{CommandLine}` failed (exit code {ExitCode})";
}
