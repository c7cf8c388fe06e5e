using System.ComponentModel;
using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;

namespace Gemba.Silo.Processes;

/// <summary>
/// The one way gemba runs another program (tmux, git, bd, gt): an argument list, never a shell
/// string; a timeout after which the process is killed; stdout and stderr captured apart. Exit
/// codes are returned, not judged: callers decide what failure means.
/// </summary>
internal static class ProcessRunner
{
    /// <param name="displayName">How the program is named in messages (default: the file name).</param>
    /// <exception cref="ProcessRunException">The call timed out or the executable could not be started.</exception>
    public static async Task<ProcessResult> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        string? standardInput = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeProvider? time = null,
        string? displayName = null,
        CancellationToken cancellationToken = default)
    {
        var program = displayName ?? Path.GetFileName(executable);
        var commandLine = Display(program, arguments);
        var command = Cli.Wrap(executable)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(standardInput is null ? PipeSource.Null : PipeSource.FromString(standardInput));
        if (environment is not null) command = command.WithEnvironmentVariables(environment);
        if (workingDirectory is not null) command = command.WithWorkingDirectory(workingDirectory);

        using var timer = new CancellationTokenSource(timeout, time ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await command.ExecuteBufferedAsync(linked.Token).ConfigureAwait(false);
            ProcessInstruments.Record(program, result.ExitCode == 0 ? "ok" : "failed", Stopwatch.GetElapsedTime(started));
            return new ProcessResult(commandLine, result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            ProcessInstruments.Record(program, "timeout", Stopwatch.GetElapsedTime(started));
            throw new ProcessRunException($"`{commandLine}` timed out after {timeout.TotalSeconds:0.#} s (killed)", timedOut: true, ex);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            ProcessInstruments.Record(program, "not-started", Stopwatch.GetElapsedTime(started));
            throw new ProcessRunException($"`{commandLine}` could not be started: {ex.Message}", timedOut: false, ex);
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
        var extensions = OperatingSystem.IsWindows() ? new[] { "", ".exe", ".cmd", ".bat" } : [""];
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(directory, executable + extension);
                if (File.Exists(candidate)) return candidate;
            }
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
