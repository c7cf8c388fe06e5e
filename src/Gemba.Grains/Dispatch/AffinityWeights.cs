namespace Gemba.Grains.Dispatch;

/// <summary>Weights of the five affinity components (original §3.6); they should sum to 1.</summary>
public sealed record AffinityWeights(
    double ConceptOverlap = 0.30,
    double FileFamiliarity = 0.20,
    double WorkspaceMatch = 0.20,
    double Recency = 0.15,
    double Headroom = 0.15)
{
    public static AffinityWeights Default { get; } = new();
}
