using Gemba.Dispatch;
using Gemba.Sessions;

namespace Gemba.Grains.Dispatch;

/// <summary>
/// How well a member fits a bead, in [0, 1] (original §3.6, DESIGN §4.4). A component without
/// evidence on either side scores a neutral 0.5 rather than 0, so a fresh member (≈0.575) clears
/// the default floor for any bead while a warm member still scores low on work unrelated to its history.
/// </summary>
public static class AffinityScorer
{
    public const double Neutral = 0.5;

    /// <summary>Recency falls linearly from 1 right after the last bead to 0 this long after it.</summary>
    public static readonly TimeSpan RecencyWindow = TimeSpan.FromHours(4);

    public static AffinityScores Score(
        BeadTraits bead, AffinityProfile profile, DateTimeOffset now, AffinityWeights? weights = null, double contextPressure = 0)
    {
        var terms = new ScoringTerms();
        var preparedBead = terms.Prepare(bead);
        return Parts(preparedBead, terms.Prepare(profile, contextPressure, now)).ToScores(weights ?? AffinityWeights.Default);
    }

    /// <summary>How full a member's context is, from beads done since its last recycle.</summary>
    public static double ContextPressure(int beadsSinceRecycle, int recycleAfterBeads) =>
        recycleAfterBeads <= 0 ? 0 : Math.Clamp((double)beadsSinceRecycle / recycleAfterBeads, 0, 1);

    /// <summary>1 up to half-full, then linearly to 0 when full: continuous, unlike the original's jump at 0.85.</summary>
    public static double Headroom(double contextPressure) =>
        contextPressure <= 0.5 ? 1.0 : Math.Clamp(1.0 - (contextPressure - 0.5) / 0.5, 0, 1);

    internal static ScoreParts Parts(ScoringBead bead, ScoringProfile profile)
    {
        double concept = Neutral, recency = Neutral;
        if (bead.Concepts.Length > 0 && profile.Concepts is { } concepts)
        {
            var dot = 0.0;
            foreach (var id in bead.Concepts)
                if (concepts.TryGetValue(id, out var w)) dot += w;
            // Cosine of a one-hot bead against the decayed profile weights.
            concept = dot <= 0 ? 0 : Math.Clamp(dot / (Math.Sqrt(bead.Concepts.Length) * profile.ConceptNorm), 0, 1);
            if (profile.RecencyFactor is { } factor) recency = dot > 0 ? factor : 0;
        }

        var files = Neutral;
        if (bead.Files.Length > 0 && profile.Files is { } known)
        {
            var sum = 0.0;
            for (var i = 0; i < bead.Files.Length; i++)
            {
                var exact = known.TryGetValue(bead.Files[i], out var w) ? w : 0;
                // A neighbour in the same directory is half as familiar as the file itself.
                var near = profile.Directories!.TryGetValue(bead.Directories[i], out var d) ? 0.5 * d : 0;
                sum += Math.Max(exact, near);
            }
            files = Math.Clamp(sum / bead.Files.Length, 0, 1);
        }

        var workspace = Neutral;
        if (bead.HasRepository && profile.Workspaces is { } places)
        {
            var repo = places.TryGetValue(bead.Repository, out var r) ? r : 0;
            var exact = bead.RepositoryBranch >= 0 && places.TryGetValue(bead.RepositoryBranch, out var rb) ? rb : 0;
            // Same repository on another branch is half a match, as in the original.
            workspace = bead.RepositoryBranch >= 0 ? Math.Max(exact, 0.5 * repo) : repo;
        }

        return new ScoreParts(concept, files, workspace, recency, profile.Headroom);
    }
}

/// <summary>The five components before weighting; a struct so scoring a million pairs allocates nothing.</summary>
internal readonly record struct ScoreParts(double Concept, double Files, double Workspace, double Recency, double Headroom)
{
    public double Combined(AffinityWeights w) => Math.Clamp(
        w.ConceptOverlap * Concept + w.FileFamiliarity * Files + w.WorkspaceMatch * Workspace + w.Recency * Recency + w.Headroom * Headroom,
        0, 1);

    public AffinityScores ToScores(AffinityWeights w) => new(Concept, Files, Workspace, Recency, Headroom, Combined(w));
}
