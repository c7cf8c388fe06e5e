using Microsoft.Extensions.Logging;

using Gemba.Silo.Processes;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The bead-done cleanliness check (original §2.2): <c>git -C &lt;dir&gt; status --porcelain</c>; clean
/// iff git succeeds with no output. A directory outside any git repository has nothing to lose and
/// is clean; any git failure (missing git, timeout, error) counts as dirty.
/// </summary>
internal sealed partial class GitWorktreeProbe(TimeSpan timeout, ILogger log)
{
    private static readonly IReadOnlyDictionary<string, string?> Environment =
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // a status check must not take index.lock away from the agent working in the same tree
            ["GIT_OPTIONAL_LOCKS"] = "0",
            ["GIT_TERMINAL_PROMPT"] = "0",
        };

    public async Task<bool> IsCleanAsync(string directory, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(directory);
        if (!IsInsideRepository(full)) return true;

        if (ProcessRunner.Resolve("git") is not { } git)
        {
            LogDirty(full, "git not found on PATH");
            return false;
        }
        try
        {
            var result = await ProcessRunner.RunAsync(git, ["-C", full, "status", "--porcelain"], timeout, environment: Environment, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (!result.Succeeded)
            {
                LogDirty(full, result.Describe());
                return false;
            }
            return result.StandardOutput.Trim().Length == 0;
        }
        catch (ProcessRunException ex)
        {
            LogDirty(full, ex.Message);
            return false;
        }
    }

    /// <summary>A <c>.git</c> directory or file (worktrees, submodules) in the directory or an ancestor.</summary>
    private static bool IsInsideRepository(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var marker = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(marker) || File.Exists(marker)) return true;
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: worktree {Directory} counts as dirty because the git check failed: {Reason}")]
    private partial void LogDirty(string directory, string reason);
}
