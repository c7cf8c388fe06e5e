using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// Interns a cycle's concept, file, directory and workspace strings to dense ids, so that scoring a
/// pair is a handful of array reads: the profile being scored is spread into scratch arrays once,
/// then every bead is scored against it. Beads are prepared first; a profile keeps only the terms
/// some bead uses (the rest only count toward its norm). Not thread-safe: one per cycle.
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
            branch is null ? -1 : Intern(_workspaces, branch));
    }

    public ScoringProfile Prepare(AffinityProfile profile, double contextPressure, DateTimeOffset now)
    {
        List<(int, double)>? concepts = null, files = null, workspaces = null;
        Dictionary<int, double>? directories = null;
        var squares = 0.0;
        foreach (var (key, weight) in profile.Concepts)
        {
            if (weight <= 0) continue;
            squares += weight * weight;
            concepts ??= [];
            if (_concepts.TryGetValue(key, out var id)) concepts.Add((id, weight));
        }
        foreach (var (key, weight) in profile.Files)
        {
            if (weight <= 0) continue;
            if (ProfileKeys.IsWorkspace(key))
            {
                workspaces ??= [];
                if (_workspaces.TryGetValue(key, out var place)) workspaces.Add((place, weight));
                continue;
            }
            files ??= [];
            directories ??= [];
            if (_files.TryGetValue(key, out var file)) files.Add((file, weight));
            if (_directories.TryGetValue(Directory(key), out var dir) && weight > directories.GetValueOrDefault(dir)) directories[dir] = weight;
        }

        double? recency = null;
        if (concepts is not null && profile.LastBeadAt is { } last)
        {
            var elapsed = now - last;
            recency = elapsed <= TimeSpan.Zero ? 1.0 : Math.Max(0, 1.0 - elapsed / AffinityScorer.RecencyWindow);
        }
        return new ScoringProfile(
            concepts?.ToArray(), Math.Sqrt(squares), files?.ToArray(),
            directories?.Select(kv => (kv.Key, kv.Value)).ToArray(), workspaces?.ToArray(),
            recency, AffinityScorer.Headroom(contextPressure));
    }

    /// <summary>The five components of a pair (original §3.6 with DESIGN §4.4's neutral 0.5 for missing evidence).</summary>
    public ScoreParts Score(ScoringBead bead, ScoringProfile profile)
    {
        if (!ReferenceEquals(_loaded, profile)) Load(profile);

        double concept = AffinityScorer.Neutral, recency = AffinityScorer.Neutral;
        if (bead.Concepts.Length > 0 && profile.Concepts is not null)
        {
            var dot = 0.0;
            foreach (var id in bead.Concepts) dot += _conceptWeights[id];
            // Cosine of a one-hot bead against the decayed profile weights.
            concept = dot <= 0 ? 0 : Math.Clamp(dot / (Math.Sqrt(bead.Concepts.Length) * profile.ConceptNorm), 0, 1);
            if (profile.RecencyFactor is { } factor) recency = dot > 0 ? factor : 0;
        }

        var files = AffinityScorer.Neutral;
        if (bead.Files.Length > 0 && profile.Files is not null)
        {
            var sum = 0.0;
            for (var i = 0; i < bead.Files.Length; i++)
            {
                // A neighbour in the same directory is half as familiar as the file itself.
                sum += Math.Max(_fileWeights[bead.Files[i]], 0.5 * _directoryWeights[bead.Directories[i]]);
            }
            files = Math.Clamp(sum / bead.Files.Length, 0, 1);
        }

        var workspace = AffinityScorer.Neutral;
        if (bead.Repository >= 0 && profile.Workspaces is not null)
        {
            var repo = _workspaceWeights[bead.Repository];
            // Same repository on another branch is half a match, as in the original.
            workspace = bead.RepositoryBranch >= 0 ? Math.Max(_workspaceWeights[bead.RepositoryBranch], 0.5 * repo) : repo;
        }

        return new ScoreParts(concept, files, workspace, recency, profile.Headroom);
    }

    private double[] _conceptWeights = [], _fileWeights = [], _directoryWeights = [], _workspaceWeights = [];
    private ScoringProfile? _loaded;

    private void Load(ScoringProfile profile)
    {
        if (_loaded is { } previous)
        {
            Spread(_conceptWeights, previous.Concepts, clear: true);
            Spread(_fileWeights, previous.Files, clear: true);
            Spread(_directoryWeights, previous.Directories, clear: true);
            Spread(_workspaceWeights, previous.Workspaces, clear: true);
        }
        Fit(ref _conceptWeights, _concepts.Count);
        Fit(ref _fileWeights, _files.Count);
        Fit(ref _directoryWeights, _directories.Count);
        Fit(ref _workspaceWeights, _workspaces.Count);
        Spread(_conceptWeights, profile.Concepts, clear: false);
        Spread(_fileWeights, profile.Files, clear: false);
        Spread(_directoryWeights, profile.Directories, clear: false);
        Spread(_workspaceWeights, profile.Workspaces, clear: false);
        _loaded = profile;
    }

    private static void Fit(ref double[] weights, int count)
    {
        if (weights.Length < count) Array.Resize(ref weights, Math.Max(count, weights.Length * 2));
    }

    private static void Spread(double[] weights, (int Id, double Weight)[]? entries, bool clear)
    {
        if (entries is null) return;
        foreach (var (id, weight) in entries) weights[id] = clear ? 0 : weight;
    }

    /// <summary>The directory a target lives in: a file's parent, or a glob's literal prefix.</summary>
    private static string Directory(string target)
    {
        var wildcard = target.AsSpan().IndexOfAny('*', '?', '[');
        var slash = wildcard < 0 ? target.LastIndexOf('/') : target.LastIndexOf('/', wildcard);
        return slash < 0 ? "" : target[..slash];
    }

    private static int Intern(Dictionary<string, int> ids, string key)
    {
        if (!ids.TryGetValue(key, out var id)) ids[key] = id = ids.Count;
        return id;
    }
}

/// <param name="Repository">Interned repository key, or -1 when the bead names none.</param>
/// <param name="RepositoryBranch">Interned repository@branch key, or -1 when the bead names no branch.</param>
/// <param name="Directories">Per file, the interned directory it lives in.</param>
internal sealed record ScoringBead(int[] Concepts, int[] Files, int[] Directories, int Repository, int RepositoryBranch);

/// <summary>
/// A member's profile ready for scoring: sparse (id, weight) lists of the terms the cycle's beads use.
/// Null means "no evidence on this side" (neutral score); empty means evidence that shares nothing.
/// </summary>
internal sealed record ScoringProfile(
    (int Id, double Weight)[]? Concepts,
    double ConceptNorm,
    (int Id, double Weight)[]? Files,
    (int Id, double Weight)[]? Directories,
    (int Id, double Weight)[]? Workspaces,
    double? RecencyFactor,
    double Headroom)
{
    public static ScoringProfile Fresh { get; } = new(null, 0, null, null, null, null, 1.0);
}
