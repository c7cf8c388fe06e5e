namespace Gemba.Dispatch;

/// <summary>The five sub-scores of a (member, bead) pair, each in [0, 1], and their weighted combination.</summary>
[GenerateSerializer, Immutable, Alias("gemba.AffinityScores")]
public sealed record AffinityScores(
    double ConceptOverlap,
    double FileFamiliarity,
    double WorkspaceMatch,
    double Recency,
    double Headroom,
    double Combined)
{
    public static readonly AffinityScores Zero = new(0, 0, 0, 0, 0, 0);
}
