namespace Gemba.Grains.Dispatch;

/// <summary>
/// How a profile remembers workspaces. <see cref="Gemba.Sessions.AffinityProfile"/> has no workspace field,
/// so repositories and branches ride in its file map under a prefix no repository path starts with.
/// </summary>
public static class ProfileKeys
{
    public const string WorkspacePrefix = "@repo:";

    public static bool IsWorkspace(string key) => key.StartsWith(WorkspacePrefix, StringComparison.Ordinal);

    public static string? Repository(string? repo) =>
        string.IsNullOrWhiteSpace(repo) ? null : WorkspacePrefix + repo.Trim().ToLowerInvariant();

    public static string? RepositoryBranch(string? repo, string? branch) =>
        string.IsNullOrWhiteSpace(repo) || string.IsNullOrWhiteSpace(branch)
            ? null
            : WorkspacePrefix + repo.Trim().ToLowerInvariant() + "@" + branch.Trim().ToLowerInvariant();
}
