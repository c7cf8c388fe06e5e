using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Interns a cycle's concept, file and workspace strings so that scoring a pair is a few int-keyed
/// lookups. Beads are prepared first; a profile keeps only the terms some bead uses (the rest only
/// count toward its norm), which keeps per-member maps small.
/// </summary>
internal sealed class ScoringTerms
{
    private readonly Dictionary<string, int> _concepts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _workspaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _directories = new(StringComparer.Ordinal);

    public ScoringBead Prepare(BeadTraits bead)
    {
        var concepts = new List<int>(bead.Concepts.Count);
        foreach (var c in bead.Concepts)
        {
            var id = Intern(_concepts, c.Trim().ToLowerInvariant());
            if (!concepts.Contains(id)) concepts.Add(id);
        }
        var files = new List<int>(bead.Files.Count);
        var directories = new List<int>(bead.Files.Count);
        foreach (var f in bead.Files)
        {
            var text = PathText.NormaliseTarget(f);
            if (text.Length == 0) continue;
            var id = Intern(_files, text);
            if (files.Contains(id)) continue;
            files.Add(id);
            directories.Add(Intern(_directories, Directory(text)));
        }
        var repo = ProfileKeys.Repository(bead.Repository);
        var branch = ProfileKeys.RepositoryBranch(bead.Repository, bead.Branch);
        return new ScoringBead(
            [.. concepts], [.. files], [.. directories],
            repo is null ? -1 : Intern(_workspaces, repo),
            branch is null ? -1 : Intern(_workspaces, branch),
            repo is not null);
    }

    public ScoringProfile Prepare(AffinityProfile profile, double contextPressure, DateTimeOffset now)
    {
        Dictionary<int, double>? concepts = null, files = null, workspaces = null, directories = null;
        var squares = 0.0;
        foreach (var (key, weight) in profile.Concepts)
        {
            if (weight <= 0) continue;
            squares += weight * weight;
            concepts ??= [];
            if (_concepts.TryGetValue(key, out var id)) concepts[id] = weight;
        }
        foreach (var (key, weight) in profile.Files)
        {
            if (weight <= 0) continue;
            if (ProfileKeys.IsWorkspace(key))
            {
                workspaces ??= [];
                if (_workspaces.TryGetValue(key, out var place)) workspaces[place] = weight;
                continue;
            }
            files ??= [];
            directories ??= [];
            if (_files.TryGetValue(key, out var file)) files[file] = weight;
            if (_directories.TryGetValue(Directory(key), out var dir) && weight > directories.GetValueOrDefault(dir)) directories[dir] = weight;
        }

        double? recency = null;
        if (concepts is not null && profile.LastBeadAt is { } last)
        {
            var elapsed = now - last;
            recency = elapsed <= TimeSpan.Zero ? 1.0 : Math.Max(0, 1.0 - elapsed / AffinityScorer.RecencyWindow);
        }
        return new ScoringProfile(concepts, Math.Sqrt(squares), files, directories, workspaces, recency, AffinityScorer.Headroom(contextPressure));
    }

    /// <summary>The directory a target lives in: a file's parent, or a glob's literal prefix.</summary>
    private static string Directory(string target)
    {
        var segments = target.Split('/');
        var literal = Glob.LiteralPrefixLength(segments);
        return string.Join('/', segments, 0, literal < segments.Length ? literal : segments.Length - 1);
    }

    private static int Intern(Dictionary<string, int> ids, string key)
    {
        if (!ids.TryGetValue(key, out var id)) ids[key] = id = ids.Count;
        return id;
    }
}

/// <param name="Repository">Interned repository key, or -1.</param>
/// <param name="RepositoryBranch">Interned repository@branch key, or -1 when the bead names no branch.</param>
/// <param name="Directories">Per file, the interned directory it lives in.</param>
internal sealed record ScoringBead(int[] Concepts, int[] Files, int[] Directories, int Repository, int RepositoryBranch, bool HasRepository);

/// <summary>
/// A member's profile ready for scoring. A null map means "no evidence on this side" (neutral
/// score); an empty map means evidence exists but shares nothing with any bead of the cycle.
/// </summary>
internal sealed record ScoringProfile(
    Dictionary<int, double>? Concepts,
    double ConceptNorm,
    Dictionary<int, double>? Files,
    Dictionary<int, double>? Directories,
    Dictionary<int, double>? Workspaces,
    double? RecencyFactor,
    double Headroom)
{
    public static ScoringProfile Fresh { get; } = new(null, 0, null, null, null, null, 1.0);
}
