using System.Collections.Immutable;
using Gemba.Grains.Dispatch;
using Gemba.Sessions;

namespace Gemba.Grains.Sessions;

/// <summary>
/// Builds a member's affinity profile from the beads it finishes: older work fades by
/// <c>decay</c> per bead so the profile follows what the member has in its context now.
/// </summary>
public static class ProfileBuilder
{
    public const int LastBeadsKept = 10;

    /// <summary>Weights below this are noise and would only slow scoring down.</summary>
    public const double MinWeight = 0.05;

    /// <summary>A recycle clears the context, so it clears the profile too.</summary>
    public static AffinityProfile Cleared => AffinityProfile.Empty;

    public static AffinityProfile AfterBead(
        AffinityProfile profile, BeadTraits bead, DateTimeOffset at, double decay = 0.8, int maxEntries = 64)
    {
        var concepts = bead.Concepts.Select(c => c.Trim().ToLowerInvariant());
        var files = bead.Files.Select(PathText.NormaliseTarget)
            .Append(ProfileKeys.Repository(bead.Repository))
            .Append(ProfileKeys.RepositoryBranch(bead.Repository, bead.Branch));

        var previous = profile.LastBeads.IsDefault ? ImmutableArray<string>.Empty : profile.LastBeads;
        var lastBeads = previous.Remove(bead.BeadId).Add(bead.BeadId);
        if (lastBeads.Length > LastBeadsKept) lastBeads = lastBeads.Slice(lastBeads.Length - LastBeadsKept, LastBeadsKept);

        return new AffinityProfile(
            Update(profile.Concepts, concepts, decay, maxEntries),
            Update(profile.Files, files, decay, maxEntries),
            lastBeads,
            at);
    }

    private static ImmutableDictionary<string, double> Update(
        ImmutableDictionary<string, double> weights, IEnumerable<string?> touched, double decay, int maxEntries)
    {
        var next = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, weight) in weights) next[key] = weight * decay;
        foreach (var key in touched)
            if (!string.IsNullOrEmpty(key)) next[key] = Math.Min(1.0, next.GetValueOrDefault(key) + 1.0);

        return next
            .Where(kv => kv.Value >= MinWeight)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, maxEntries))
            .ToImmutableDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }
}
