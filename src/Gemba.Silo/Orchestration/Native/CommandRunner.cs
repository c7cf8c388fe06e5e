using System.ComponentModel;
using CliWrap;
using CliWrap.Buffered;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// Runs one executable with an argument list (never a shell string) under a timeout, capturing
/// stdout and stderr. Exit codes are returned, not judged: callers decide what failure means.
/// </summary>
internal static class CommandRunner
{
    /// <exception cref="TmuxCommandException">The call timed out or the executable could not be started.</exception>
    public static async Task<CommandResult> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? standardInput = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var commandLine = Display(Path.GetFileName(executable), arguments);
        var command = Cli.Wrap(executable)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(standardInput is null ? PipeSource.Null : PipeSource.FromString(standardInput));
        if (environment is not null) command = command.WithEnvironmentVariables(environment);
        if (workingDirectory is not null) command = command.WithWorkingDirectory(workingDirectory);

        using var timer = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            var result = await command.ExecuteBufferedAsync(linked.Token).ConfigureAwait(false);
            return new CommandResult(commandLine, result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TmuxCommandException($"`{commandLine}` timed out after {timeout.TotalSeconds:0.#} s (killed)", ex);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            throw new TmuxCommandException($"`{commandLine}` could not be started: {ex.Message}", ex);
        }
    }

    /// <summary>The full path of <paramref name="executable"/> (a name looked up on PATH, or a path), or null.</summary>
    public static string? Resolve(string executable)
    {
        if (string.IsNullOrWhiteSpace(executable)) return null;
        if (Path.IsPathRooted(executable) || executable.Contains(Path.DirectorySeparatorChar) || executable.Contains(Path.AltDirectorySeparatorChar))
        {
            var full = Path.GetFullPath(executable);
            return File.Exists(full) ? full : null;
        }
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>For messages and logs only: the arguments are always passed as a list.</summary>
    public static string Display(string executable, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { executable }.Concat(arguments).Select(Quote));

    private static string Quote(string argument)
    {
        var oneLine = argument.Length > 80 ? argument[..77] + "..." : argument;
        oneLine = oneLine.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
        return oneLine.Length == 0 ? "\"\""
            : oneLine.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or '`' or '#' or ';' or '&' or '|')
                ? $"\"{oneLine.Replace("\"", "\\\"", StringComparison.Ordinal)}\""
                : oneLine;
    }
}
