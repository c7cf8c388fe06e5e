namespace Gemba.Silo.Orchestration.Native;

/// <summary>
/// Reads <c>git status --porcelain -z</c> into the paths that count as the member's uncommitted
/// work: gemba's own files (<c>.beads/</c>, <c>.gemba/</c>: the tracker's JSONL and its lock, an
/// edited pool.toml) never do, because gemba itself writes them.
/// </summary>
internal static class PorcelainStatus
{
    private static readonly string[] GembaDirectories = [".beads", ".gemba"];

    /// <summary>Every path git reports (for a rename, the new path), in git's order.</summary>
    public static IReadOnlyList<string> Paths(string output)
    {
        var paths = new List<string>();
        var fields = output.Split('\0');
        for (var i = 0; i < fields.Length; i++)
        {
            var entry = fields[i];
            if (entry.Length < 4) continue;
            paths.Add(entry[3..]);
            // a rename or copy is followed by its source path as a field of its own
            if (entry[0] is 'R' or 'C' || entry[1] is 'R' or 'C') i++;
        }
        return paths;
    }

    public static bool IsGembaPath(string path) =>
        GembaDirectories.Any(d => path == d || path.StartsWith(d + "/", StringComparison.Ordinal));

    /// <summary>The reported paths outside gemba's directories.</summary>
    public static IReadOnlyList<string> WorkPaths(string output) => [.. Paths(output).Where(p => !IsGembaPath(p))];
}
