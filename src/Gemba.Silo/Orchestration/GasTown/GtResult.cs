namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>What one <c>gt</c> call produced; stdout and stderr are kept apart.</summary>
internal sealed record GtResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    public string FirstStderrLine =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    /// <summary>cobra's answer for a subcommand this gt does not have.</summary>
    public bool IsUnknownCommand =>
        Stderr.Contains("unknown command", StringComparison.OrdinalIgnoreCase)
        || Stdout.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    public string Describe(string problem)
    {
        var detail = FirstStderrLine;
        return detail.Length == 0
            ? $"`{Command}` {problem} (exit code {ExitCode})"
            : $"`{Command}` {problem} (exit code {ExitCode}): {detail}";
    }

    public GtCommandException Fail(string problem, Exception? inner = null) =>
        new(Command, Describe(problem), ExitCode, FirstStderrLine.Length == 0 ? null : FirstStderrLine, inner);

    public GtRun ToRun() => new(Command, Stdout, Stderr, Ok);
}
