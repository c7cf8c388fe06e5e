namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// The git repository the server's working directory is in, as the native plane uses it: members'
/// worktrees live under <c>&lt;top-level&gt;/.gemba/worktrees/&lt;session-id&gt;</c> (derived from the
/// session id alone, so a restarted server finds them again) and bead branches start from
/// <see cref="Base"/>.
/// </summary>
/// <param name="TopLevel">The checkout the server runs in (<c>git rev-parse --show-toplevel</c>).</param>
/// <param name="Prefix">The server's directory relative to <paramref name="TopLevel"/> ("" at the top).</param>
/// <param name="CommonDir">The repository's shared git directory; git operations are serialised per this path.</param>
/// <param name="Base">A branch name or, when the checkout was detached, a commit id.</param>
internal sealed record GitWorkspace(string TopLevel, string Prefix, string CommonDir, string Base)
{
    /// <summary>
    /// The lines gemba adds to <c>info/exclude</c> so the operator's checkout never shows gemba's own
    /// runtime files as untracked: the members' worktrees, the embedded state, the bead file's lock and
    /// the bead file's short-lived swap copies.
    /// </summary>
    public static readonly string[] ExcludePatterns =
        ["/.gemba/worktrees/", "/.gemba/state/", "/.beads/issues.jsonl.lock", "/.beads/.issues.jsonl.*.tmp"];

    public string WorktreesRoot => Path.Combine(TopLevel, ".gemba", "worktrees");

    public string ExcludeFile => Path.Combine(CommonDir, "info", "exclude");

    public string WorktreeOf(string sessionId) => Path.Combine(WorktreesRoot, sessionId);

    /// <summary>Where a member's pane starts: the server's own subdirectory inside the member's worktree when it exists there.</summary>
    public string StartDirectoryOf(string sessionId)
    {
        var root = WorktreeOf(sessionId);
        if (Prefix.Length == 0) return root;
        var nested = Path.Combine(root, Prefix);
        return Directory.Exists(nested) ? nested : root;
    }

    /// <summary>
    /// Finds the repository around <paramref name="directory"/>. Not inside any repository → null
    /// (agents share the directory). A repository git cannot read, a base that names no commit or a
    /// repository without commits → <see cref="InvalidOperationException"/> naming what to fix.
    /// </summary>
    /// <param name="baseBranch">The <c>--base-branch</c> option; null: the branch checked out now (detached: its commit).</param>
    public static async Task<GitWorkspace?> DetectAsync(GitCli git, string directory, string? baseBranch, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(directory);
        if (!HasRepositoryMarker(full)) return null;

        var probe = await git.RunAsync(full, ["rev-parse", "--show-toplevel", "--show-prefix", "--git-common-dir"], readOnly: true, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!probe.Succeeded)
            throw new InvalidOperationException($"native: {full} looks like a git repository but git cannot read it: {probe.Describe()}");
        var lines = probe.StandardOutput.Split('\n');
        if (lines.Length < 3)
            throw new InvalidOperationException($"native: `{probe.CommandLine}` printed \"{probe.StandardOutput.Trim()}\" where three lines were expected");
        var topLevel = Path.GetFullPath(lines[0].Trim());
        var prefix = lines[1].Trim().TrimEnd('/');
        var commonDir = Path.GetFullPath(lines[2].Trim(), full);

        string chosen;
        if (baseBranch is not null)
        {
            chosen = baseBranch;
        }
        else
        {
            var branch = await git.RunAsync(full, ["symbolic-ref", "--short", "-q", "HEAD"], readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            chosen = branch.Succeeded ? branch.StandardOutput.Trim() : "HEAD";
        }
        var commit = await git.RunAsync(full, ["rev-parse", "--verify", "--quiet", "--end-of-options", chosen + "^{commit}"], readOnly: true, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!commit.Succeeded)
        {
            throw new InvalidOperationException(baseBranch is not null
                ? $"native: --base-branch {baseBranch} names no commit in {topLevel}"
                : $"native: the repository at {topLevel} has no commits yet ({chosen}): commit once so gemba can start members' worktrees from it, or pass --base-branch");
        }
        // a detached checkout's work is "the commit it is on now", not whatever HEAD later becomes
        var resolvedBase = chosen == "HEAD" ? commit.StandardOutput.Trim() : chosen;
        return new GitWorkspace(topLevel, prefix, commonDir, resolvedBase);
    }

    /// <summary>A <c>.git</c> directory or file (worktrees, submodules) in the directory or an ancestor.</summary>
    private static bool HasRepositoryMarker(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var marker = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(marker) || File.Exists(marker)) return true;
        }
        return false;
    }
}
