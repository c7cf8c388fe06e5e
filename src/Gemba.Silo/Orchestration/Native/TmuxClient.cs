using System.Diagnostics;
using Microsoft.Extensions.Logging;

using Gemba.Silo.Processes;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The tmux command line, always against gemba's own server (<c>tmux -L &lt;socket&gt;</c>). Every call
/// passes an argument list, runs under a timeout and keeps stderr for the error message.
/// </summary>
/// <param name="secret">
/// A value passed on some command lines (the bearer token, as <c>-e GEMBA_TOKEN=…</c>) that must
/// never reach a log line or an error message; it is shown as <c>***</c>.
/// </param>
internal sealed partial class TmuxClient(string executable, string socketName, TimeSpan timeout, ILogger log, string? secret = null)
{
    public const string NotFoundMessage = "tmux not found: install tmux (apt-get install tmux)";

    /// <summary>
    /// A gemba server started from inside a tmux pane inherits <c>TMUX</c>; unset it so tmux never
    /// treats our calls as nested clients of the user's server.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string?> Environment =
        new Dictionary<string, string?>(StringComparer.Ordinal) { ["TMUX"] = null, ["TMUX_PANE"] = null };

    public string SocketName => socketName;

    /// <summary>Runs <c>tmux -L socket args…</c> and returns the result whatever the exit code.</summary>
    /// <exception cref="TmuxCommandException">tmux is missing, could not start or timed out.</exception>
    /// <param name="environment">Variables for the tmux client process itself (null removes one).</param>
    public async Task<ProcessResult> RunAsync(
        IReadOnlyList<string> arguments, string? standardInput = null, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var path = ProcessRunner.Resolve(executable) ?? throw new TmuxCommandException($"{NotFoundMessage} (looked for \"{executable}\")");
        string[] full = ["-L", socketName, .. arguments];
        var started = Stopwatch.GetTimestamp();
        ProcessResult result;
        try
        {
            var variables = environment is null ? Environment
                : Environment.Concat(environment).GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            result = await ProcessRunner.RunAsync(path, full, timeout, standardInput, variables, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ProcessRunException ex) when (ex.TimedOut)
        {
            throw Failure(ex.Message, ex);
        }
        catch (ProcessRunException ex)
        {
            throw Failure($"{NotFoundMessage}: {ex.Message}", ex);
        }
        result = result with { CommandLine = Scrub(result.CommandLine) };
        LogCall(result.CommandLine, result.ExitCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private string Scrub(string text) => string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    /// <summary>The inner exception is dropped when its message would carry the secret.</summary>
    private TmuxCommandException Failure(string message, Exception inner) =>
        Scrub(message) is var scrubbed && scrubbed == message ? new TmuxCommandException(message, inner) : new TmuxCommandException(scrubbed);

    /// <summary>Runs tmux and returns its stdout; a non-zero exit throws, naming the command, exit code and stderr.</summary>
    public async Task<string> RunCheckedAsync(
        IReadOnlyList<string> arguments, string? standardInput = null, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(arguments, standardInput, environment, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.StandardOutput : throw new TmuxCommandException(result.Describe());
    }

    /// <summary>stderr of a failed call meaning "that pane, window or server does not exist (any more)".</summary>
    public static bool IsMissing(ProcessResult result) =>
        !result.Succeeded && (result.StandardError.Contains("can't find", StringComparison.OrdinalIgnoreCase)
            || result.StandardError.Contains("no server running", StringComparison.OrdinalIgnoreCase)
            || result.StandardError.Contains("error connecting to", StringComparison.OrdinalIgnoreCase)
            || result.StandardError.Contains("server exited", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Debug, Message = "{CommandLine} exited {ExitCode} in {ElapsedMs:0} ms")]
    private partial void LogCall(string commandLine, int exitCode, double elapsedMs);
}
