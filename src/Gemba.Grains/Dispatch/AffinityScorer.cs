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
        return terms.Score(preparedBead, terms.Prepare(profile, contextPressure, now)).ToScores(weights ?? AffinityWeights.Default);
    }

    /// <summary>How full a member's context is, from beads done since its last recycle.</summary>
    public static double ContextPressure(int beadsSinceRecycle, int recycleAfterBeads) =>
        recycleAfterBeads <= 0 ? 0 : Math.Clamp((double)beadsSinceRecycle / recycleAfterBeads, 0, 1);

    /// <summary>1 up to half-full, then linearly to 0 when full: continuous, unlike the original's jump at 0.85.</summary>
    public static double Headroom(double contextPressure) =>
        contextPressure <= 0.5 ? 1.0 : Math.Clamp(1.0 - (contextPressure - 0.5) / 0.5, 0, 1);
}

/// <summary>The five components before weighting; a struct so scoring a million pairs allocates nothing.</summary>
internal readonly record struct ScoreParts(double Concept, double Files, double Workspace, double Recency, double Headroom)
{
    public double Combined(AffinityWeights w) => Math.Clamp(
        w.ConceptOverlap * Concept + w.FileFamiliarity * Files + w.WorkspaceMatch * Workspace + w.Recency * Recency + w.Headroom * Headroom,
        0, 1);

    public AffinityScores ToScores(AffinityWeights w) => new(Concept, Files, Workspace, Recency, Headroom, Combined(w));
}
