namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// Finds an agent binary the way the pane's <c>env</c> will: a path (absolute, or relative to the
/// pane's start directory) must be an executable file; a bare name is looked up on the PATH the pane
/// gets, not the server's, so a missing binary is named before tmux shows a dead pane.
/// </summary>
internal static class ExecutableLookup
{
    /// <param name="path">The pane's <c>PATH</c> (null or empty: nothing to search).</param>
    /// <param name="directory">Where relative paths are resolved (the pane's start directory).</param>
    public static string? Find(string binary, string? path, string directory)
    {
        if (string.IsNullOrWhiteSpace(binary)) return null;
        if (binary.Contains(Path.DirectorySeparatorChar) || binary.Contains(Path.AltDirectorySeparatorChar))
        {
            var full = Path.GetFullPath(binary, directory);
            return IsExecutable(full) ? full : null;
        }
        foreach (var entry in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(entry, directory), binary);
            if (IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (!File.Exists(file)) return false;
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(file) & anyExecute) != 0;
    }
}
