using System.Collections.Concurrent;
using Gemba.Orchestration;
using Microsoft.Extensions.Logging;

namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// Each member's own git worktree (<see cref="GitWorkspace.WorktreeOf"/>): created detached at the
/// base when the member starts, switched to the bead's branch for every bead it takes, checked for
/// bead-done, and removed when the member ends, its uncommitted work stashed first. Operations that
/// change a repository's worktrees, branches or stash run one at a time per repository: git's own
/// locks (<c>index.lock</c>, <c>refs/stash</c>, <c>worktrees/</c>) make concurrent ones fail rather than wait.
/// </summary>
internal sealed partial class MemberWorktrees(GitCli git, GitWorkspace workspace, ILogger log)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> RepositoryGates = new(StringComparer.Ordinal);

    private static readonly string[] GembaPathspec = [":(exclude).beads", ":(exclude).gemba"];

    private SemaphoreSlim Gate => RepositoryGates.GetOrAdd(workspace.CommonDir, _ => new SemaphoreSlim(1, 1));

    public GitWorkspace Workspace => workspace;

    /// <summary>
    /// A fresh worktree at the base for a new member. A leftover worktree of the same session id (a
    /// member that ended without its cleanup) is saved and removed first, so nothing in it is lost.
    /// </summary>
    public async Task<string> CreateAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var path = workspace.WorktreeOf(sessionId);
        if (Directory.Exists(path) || File.Exists(path))
            await RemoveAsync(sessionId, "leftover", cancellationToken).ConfigureAwait(false);

        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureExcludedAsync(cancellationToken).ConfigureAwait(false);
            // a worktree directory deleted by hand stays registered until pruned, and blocks its branch
            await git.RunAsync(workspace.TopLevel, ["worktree", "prune"], cancellationToken: cancellationToken).ConfigureAwait(false);
            await git.RunCheckedAsync(workspace.TopLevel, ["worktree", "add", "--detach", "--quiet", path, workspace.Base], longTimeout: true, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
        LogCreated(sessionId, path, workspace.Base);
        return path;
    }

    /// <summary>
    /// Puts the member's worktree on <paramref name="branch"/>: an existing branch (a bead redone
    /// after a failure) as it is, with its earlier commits; a new one from the base. Changes to
    /// gemba's own files in the worktree are discarded (the live bead file is the server's); any other
    /// uncommitted change refuses the switch, because it belongs to the previous bead.
    /// </summary>
    public async Task SwitchAsync(string sessionId, string beadId, string branch, CancellationToken cancellationToken = default)
    {
        var path = workspace.WorktreeOf(sessionId);
        if (!IsWorktree(path))
            throw new InvalidOperationException($"native: session {sessionId} cannot take bead {beadId}: its worktree {path} is missing");
        var valid = await git.RunAsync(path, ["check-ref-format", "--branch", branch], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!valid.Succeeded)
            throw new InvalidOperationException($"native: bead {beadId}: \"{branch}\" is not a valid git branch name");

        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await git.RunAsync(path, ["symbolic-ref", "--short", "-q", "HEAD"], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current.Succeeded && current.StandardOutput.Trim() == branch) return;

            var status = await git.RunCheckedAsync(path, ["status", "--porcelain", "-z"], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            var all = PorcelainStatus.Paths(status);
            var work = all.Where(p => !PorcelainStatus.IsGembaPath(p)).ToList();
            if (work.Count > 0)
                throw new InvalidOperationException(
                    $"native: session {sessionId} cannot take bead {beadId}: its worktree {path} has uncommitted changes ({string.Join(", ", work)}) "
                    + $"left from its previous bead on {(current.Succeeded ? current.StandardOutput.Trim() : "a detached HEAD")}; commit or stash them there first");
            var discard = all.Count > 0;
            if (discard)
                await git.RunCheckedAsync(path, ["clean", "-fdq", "--", ".beads", ".gemba"], longTimeout: true, cancellationToken: cancellationToken).ConfigureAwait(false);

            var exists = (await git.RunAsync(path, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch], readOnly: true, cancellationToken: cancellationToken)
                .ConfigureAwait(false)).Succeeded;
            List<string> arguments = ["switch", "--quiet", "--no-guess"];
            if (discard) arguments.Add("--discard-changes");
            if (exists) arguments.Add(branch);
            else arguments.AddRange(["-c", branch, workspace.Base]);
            var switched = await git.RunAsync(path, arguments, longTimeout: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!switched.Succeeded)
                throw new InvalidOperationException($"native: session {sessionId} cannot switch its worktree {path} to {branch} for bead {beadId}: {switched.Describe()}");
            LogSwitched(sessionId, branch, exists ? "existing" : "new from " + workspace.Base);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The bead-done check of this member's worktree alone; a failed check is dirty with the reason.</summary>
    public async Task<WorktreeStatus> CheckAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var path = workspace.WorktreeOf(sessionId);
        if (!IsWorktree(path))
            return WorktreeStatus.Dirty([], $"the worktree {path} of session {sessionId} is missing");
        try
        {
            var status = await git.RunAsync(path, ["status", "--porcelain", "-z"], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!status.Succeeded) return WorktreeStatus.Dirty([], status.Describe());
            var work = PorcelainStatus.WorkPaths(status.StandardOutput);
            return work.Count == 0 ? WorktreeStatus.Clean : WorktreeStatus.Dirty(work, $"uncommitted changes in {path}");
        }
        catch (TmuxCommandException ex)
        {
            return WorktreeStatus.Dirty([], ex.Message);
        }
    }

    /// <summary>
    /// Removes the member's worktree; its branches stay. Uncommitted work (outside gemba's own files)
    /// is first stashed as <c>gemba: &lt;session&gt; &lt;bead&gt;</c>, visible in <c>git stash list</c> of
    /// every checkout of the repository. When the stash fails the worktree is kept and this throws.
    /// </summary>
    /// <returns>The stash message when work was saved, else null.</returns>
    public async Task<string?> RemoveAsync(string sessionId, string bead, CancellationToken cancellationToken = default)
    {
        var path = workspace.WorktreeOf(sessionId);
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                await git.RunAsync(workspace.TopLevel, ["worktree", "prune"], cancellationToken: cancellationToken).ConfigureAwait(false);
                return null;
            }
            if (!IsWorktree(path))
                throw new InvalidOperationException($"native: {path} (the worktree path of session {sessionId}) exists but is not a git worktree: move it away");

            string? saved = null;
            var status = await git.RunAsync(path, ["status", "--porcelain", "-z"], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!status.Succeeded)
                throw new InvalidOperationException($"native: worktree {path} of session {sessionId} is kept: git cannot read it, so its work cannot be saved: {status.Describe()}");
            if (PorcelainStatus.WorkPaths(status.StandardOutput).Count > 0)
            {
                saved = $"gemba: {sessionId} {bead}";
                var stash = await git.RunAsync(path, ["stash", "push", "--include-untracked", "--quiet", "-m", saved, "--", ".", .. GembaPathspec],
                    longTimeout: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!stash.Succeeded)
                    throw new InvalidOperationException($"native: worktree {path} of session {sessionId} is kept: stashing its uncommitted work failed: {stash.Describe()}");
                LogStashed(sessionId, path, saved);
            }
            // --force: what is left is gemba's own files and ignored build output
            await git.RunCheckedAsync(workspace.TopLevel, ["worktree", "remove", "--force", path], longTimeout: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogRemoved(sessionId, path);
            return saved;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Adds <see cref="GitWorkspace.ExcludePatterns"/> to <c>info/exclude</c> once each; the operator's tracked .gitignore is never touched.</summary>
    private async Task EnsureExcludedAsync(CancellationToken cancellationToken)
    {
        var file = workspace.ExcludeFile;
        var text = File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false) : "";
        var present = text.Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        var missing = GitWorkspace.ExcludePatterns.Where(p => !present.Contains(p)).ToList();
        if (missing.Count == 0) return;

        var separator = text.Length == 0 || text.EndsWith('\n') ? "" : "\n";
        var next = $"{text}{separator}# gemba: its own runtime files (gemba serve --orchestration native)\n{string.Join("\n", missing)}\n";
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temporary = $"{file}.gemba-{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, next, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, file, overwrite: true);
        LogExcluded(file);
    }

    /// <summary>
    /// A linked worktree has a <c>.git</c> file. Anything else at the path must never be given to git:
    /// git would walk up to the main checkout and report (or stash) the operator's own changes.
    /// </summary>
    private static bool IsWorktree(string path) => File.Exists(Path.Combine(path, ".git"));

    [LoggerMessage(Level = LogLevel.Information, Message = "native: excluded gemba's worktrees, state and lock file in {File}")]
    private partial void LogExcluded(string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: session {SessionId} works in {Path} (detached at {Base})")]
    private partial void LogCreated(string sessionId, string path, string @base);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: session {SessionId} switched to branch {Branch} ({How})")]
    private partial void LogSwitched(string sessionId, string branch, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "native: session {SessionId} ended with uncommitted work in {Path}: saved as the stash \"{Message}\" (git stash list)")]
    private partial void LogStashed(string sessionId, string path, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "native: removed the worktree {Path} of session {SessionId} (its branches are kept)")]
    private partial void LogRemoved(string sessionId, string path);
}
