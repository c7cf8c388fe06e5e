using System.Collections.Immutable;

namespace Gemba.Sessions;

/// <summary>
/// What a member has worked on: decayed weights of the concepts and files of the beads it
/// finished since its last recycle. Empty for a fresh or recycled member.
/// </summary>
[GenerateSerializer, Immutable, Alias("gemba.AffinityProfile")]
public sealed record AffinityProfile(
    ImmutableDictionary<string, double> Concepts,
    ImmutableDictionary<string, double> Files,
    ImmutableArray<string> LastBeads,
    DateTimeOffset? LastBeadAt)
{
    public static readonly AffinityProfile Empty = new(
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal),
        [],
        null);

    public bool IsEmpty => Concepts.Count == 0 && Files.Count == 0;
}
