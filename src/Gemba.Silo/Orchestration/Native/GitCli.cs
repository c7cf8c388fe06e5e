using Microsoft.Extensions.Logging;

using Gemba.Silo.Processes;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The git command line for the native plane: always <c>git -C &lt;dir&gt; args…</c>, an argument
/// list, a timeout, and an environment that never prompts and never inherits a repository chosen by
/// the server's own environment (a server started from a git hook carries <c>GIT_DIR</c>).
/// </summary>
internal sealed partial class GitCli(TimeSpan timeout, ILogger log)
{
    public const string NotFoundMessage = "git not found on PATH: install git (apt-get install git)";

    /// <summary>The least time a checkout-sized call gets.</summary>
    public static readonly TimeSpan CheckoutTimeout = TimeSpan.FromMinutes(3);

    private static readonly IReadOnlyDictionary<string, string?> Environment =
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_DIR"] = null,
            ["GIT_WORK_TREE"] = null,
            ["GIT_INDEX_FILE"] = null,
            ["GIT_COMMON_DIR"] = null,
            // messages are matched (identity, "already checked out") and quoted to the operator as is
            ["LC_ALL"] = "C",
        };

    /// <summary>Read-only calls also pass this so they never take <c>index.lock</c> away from an agent.</summary>
    private static readonly IReadOnlyDictionary<string, string?> ReadOnlyEnvironment =
        new Dictionary<string, string?>(Environment, StringComparer.Ordinal) { ["GIT_OPTIONAL_LOCKS"] = "0" };

    /// <summary>Runs <c>git -C directory args…</c> and returns the result whatever the exit code.</summary>
    /// <exception cref="TmuxCommandException">git is missing, could not start or timed out.</exception>
    /// <param name="longTimeout">A checkout-sized call (worktree add, switch, stash): a large repository takes longer than a status.</param>
    public async Task<ProcessResult> RunAsync(
        string directory, IReadOnlyList<string> arguments, bool readOnly = false, bool longTimeout = false, CancellationToken cancellationToken = default)
    {
        var git = ProcessRunner.Resolve("git") ?? throw new TmuxCommandException(NotFoundMessage);
        string[] full = ["-C", directory, .. arguments];
        try
        {
            var limit = longTimeout && timeout < CheckoutTimeout ? CheckoutTimeout : timeout;
            var result = await ProcessRunner.RunAsync(git, full, limit, environment: readOnly ? ReadOnlyEnvironment : Environment, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            LogCall(result.CommandLine, result.ExitCode);
            return result;
        }
        catch (ProcessRunException ex)
        {
            throw new TmuxCommandException(ex.Message, ex);
        }
    }

    /// <summary>Runs git and returns its stdout; a non-zero exit throws, naming the command, exit code and stderr.</summary>
    public async Task<string> RunCheckedAsync(
        string directory, IReadOnlyList<string> arguments, bool readOnly = false, bool longTimeout = false, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(directory, arguments, readOnly, longTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.StandardOutput : throw new TmuxCommandException(result.Describe());
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{CommandLine} exited {ExitCode}")]
    private partial void LogCall(string commandLine, int exitCode);
}
