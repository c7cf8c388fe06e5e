namespace Gemba.Silo.Processes;

/// <summary>What one child process produced; <see cref="CommandLine"/> is for messages only.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string FirstStderrLine =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    public string Describe() =>
        StandardError.Trim() is { Length: > 0 } stderr
            ? $"`{CommandLine}` failed (exit code {ExitCode}): {stderr}"
            : $"`{CommandLine}` failed (exit code {ExitCode})";
}

/// <summary>A child process timed out (and was killed) or could not be started; the message names the command.</summary>
internal sealed class ProcessRunException(string message, bool timedOut, Exception innerException) : Exception(message, innerException)
{
    public bool TimedOut { get; } = timedOut;
}
