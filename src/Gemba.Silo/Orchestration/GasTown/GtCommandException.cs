namespace Gemba.Silo.Orchestration.GasTown;

/// <summary>
/// A <c>gt</c> invocation could not run, failed, timed out, or printed something that is not the
/// documented output. The message always names the command (display string only: arguments are
/// passed as a list, never through a shell).
/// </summary>
public sealed class GtCommandException : Exception
{
    public GtCommandException(string command, string message, int? exitCode = null, string? firstStderrLine = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Command = command;
        ExitCode = exitCode;
        FirstStderrLine = firstStderrLine;
    }

    /// <summary>The display string, e.g. <c>gt rig list --json</c>.</summary>
    public string Command { get; }

    /// <summary>The exit code, when the process ran at all.</summary>
    public int? ExitCode { get; }

    public string? FirstStderrLine { get; }
}
